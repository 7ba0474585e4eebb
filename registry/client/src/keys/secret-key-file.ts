/**
 * The encrypted secret key file of REGISTRY.md §5.1: `agentgov/secret-key/v1`, the 32-byte
 * Ed25519 seed sealed with AES-256-GCM under a scrypt key (N=2^17, r=8, p=1), key id as AAD.
 * Parsing is strict: exactly these fields and these parameters.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";
import {
  RegistryError, fromBase64, isKeyId, keyIdOf, publicKeyOf, toBase64, bytesEqual, utf8,
  ED25519_SECRET_KEY_BYTES, type KeyId,
} from "@agentgov/registry-protocol";

/** `_type` of a secret key file. */
export const SECRET_KEY_TYPE = "agentgov/secret-key/v1";
/** scrypt parameters (§5.1); files with any other values are refused. */
export const SCRYPT_PARAMS = Object.freeze({ N: 131072, r: 8, p: 1 });
const SCRYPT_MAXMEM = 256 * 1024 * 1024;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The JSON of a secret key file; `ciphertext` is the sealed seed followed by the 16-byte GCM tag. */
export interface SecretKeyFile {
  _type: typeof SECRET_KEY_TYPE;
  keyid: KeyId;
  /** Base64 of the raw 32-byte public key. */
  publicKey: string;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  cipher: { name: "aes-256-gcm"; nonce: string };
  ciphertext: string;
}

function deriveKey(passphrase: string, salt: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize("NFC"), salt, 32, { ...SCRYPT_PARAMS, maxmem: SCRYPT_MAXMEM }, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}

/** Seals a 32-byte secret key (Ed25519 seed) under `passphrase`. */
export async function encryptSecretKey(secretKey: Uint8Array, passphrase: string): Promise<SecretKeyFile> {
  if (secretKey.byteLength !== ED25519_SECRET_KEY_BYTES) throw new RegistryError("REGISTRY_REQUEST_INVALID", "secret key must be 32 bytes");
  if (passphrase === "") throw new RegistryError("REGISTRY_REQUEST_INVALID", "passphrase must not be empty");
  const publicKey = publicKeyOf(secretKey);
  const keyid = keyIdOf(publicKey);
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await deriveKey(passphrase, salt);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(utf8(keyid));
  const sealed = Buffer.concat([cipher.update(secretKey), cipher.final(), cipher.getAuthTag()]);
  key.fill(0);
  return {
    _type: SECRET_KEY_TYPE, keyid, publicKey: toBase64(publicKey),
    kdf: { name: "scrypt", ...SCRYPT_PARAMS, salt: toBase64(salt) },
    cipher: { name: "aes-256-gcm", nonce: toBase64(nonce) },
    ciphertext: toBase64(sealed),
  };
}

/**
 * Opens a secret key file (parsed JSON). A wrong passphrase or any tampering is
 * `REGISTRY_AUTH`; a malformed file is `REGISTRY_STORE_CORRUPT`.
 */
export async function decryptSecretKey(file: unknown, passphrase: string): Promise<{ secretKey: Uint8Array; publicKey: Uint8Array; keyid: KeyId }> {
  const parsed = parseSecretKeyFile(file);
  const salt = decode(parsed.kdf.salt, SALT_BYTES, "kdf.salt");
  const nonce = decode(parsed.cipher.nonce, NONCE_BYTES, "cipher.nonce");
  const sealed = decode(parsed.ciphertext, ED25519_SECRET_KEY_BYTES + TAG_BYTES, "ciphertext");
  const publicKey = decode(parsed.publicKey, 32, "publicKey");
  const key = await deriveKey(passphrase, salt);
  let secretKey: Uint8Array;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(utf8(parsed.keyid));
    decipher.setAuthTag(sealed.subarray(ED25519_SECRET_KEY_BYTES));
    secretKey = new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(0, ED25519_SECRET_KEY_BYTES)), decipher.final()]));
  } catch {
    throw new RegistryError("REGISTRY_AUTH", "wrong passphrase or tampered secret key file");
  } finally {
    key.fill(0);
  }
  const derived = publicKeyOf(secretKey);
  if (!bytesEqual(derived, publicKey) || keyIdOf(derived) !== parsed.keyid) {
    throw new RegistryError("REGISTRY_STORE_CORRUPT", "secret key file: key id or public key does not match the secret");
  }
  return { secretKey, publicKey: derived, keyid: parsed.keyid };
}

function decode(text: string, bytes: number, path: string): Uint8Array {
  const value = fromBase64(text);
  if (value?.byteLength !== bytes) throw corrupt(path, `must be base64 of ${bytes} bytes`);
  return value;
}

function corrupt(path: string, message: string): RegistryError {
  return new RegistryError("REGISTRY_STORE_CORRUPT", `secret key file: ${message}`, { path });
}

function exactObject(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw corrupt(path, "must be an object");
  const record = value as Record<string, unknown>;
  const actual = Object.keys(record).sort();
  if (actual.join(",") !== [...keys].sort().join(",")) throw corrupt(path, `fields must be exactly ${keys.join(", ")}`);
  return record;
}

function str(value: unknown, path: string): string {
  if (typeof value !== "string") throw corrupt(path, "must be a string");
  return value;
}

/** Strictly parses the JSON data of a secret key file (exact fields, the §5.1 parameters only). */
export function parseSecretKeyFile(value: unknown): SecretKeyFile {
  const f = exactObject(value, "", ["_type", "keyid", "publicKey", "kdf", "cipher", "ciphertext"]);
  if (f._type !== SECRET_KEY_TYPE) throw corrupt("_type", `must be ${SECRET_KEY_TYPE}`);
  if (!isKeyId(f.keyid)) throw corrupt("keyid", "must be ed25519:<64 hex>");
  const kdf = exactObject(f.kdf, "kdf", ["name", "N", "r", "p", "salt"]);
  if (kdf.name !== "scrypt" || kdf.N !== SCRYPT_PARAMS.N || kdf.r !== SCRYPT_PARAMS.r || kdf.p !== SCRYPT_PARAMS.p) {
    throw corrupt("kdf", "must be scrypt with N=131072, r=8, p=1");
  }
  const cipher = exactObject(f.cipher, "cipher", ["name", "nonce"]);
  if (cipher.name !== "aes-256-gcm") throw corrupt("cipher.name", "must be aes-256-gcm");
  return {
    _type: SECRET_KEY_TYPE, keyid: f.keyid, publicKey: str(f.publicKey, "publicKey"),
    kdf: { name: "scrypt", ...SCRYPT_PARAMS, salt: str(kdf.salt, "kdf.salt") },
    cipher: { name: "aes-256-gcm", nonce: str(cipher.nonce, "cipher.nonce") },
    ciphertext: str(f.ciphertext, "ciphertext"),
  };
}
