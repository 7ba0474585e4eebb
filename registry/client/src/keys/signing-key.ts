/**
 * Which secret key signs (REGISTRY.md §5.1): an explicit key file, then
 * `AGENTGOV_SIGNING_KEY=agentgov-ed25519-sk:<base64 32-byte seed>` (CI), then the default key
 * in `$AGENTGOV_HOME/keys/`.
 */
import { RegistryError, fromBase64, keyIdOf, parseJsonBounded, publicKeyOf, ED25519_SECRET_KEY_BYTES, type KeyId } from "@agentgov/registry-protocol";
import { readFileBounded } from "../util/read-bounded.js";
import { agentgovHome } from "../util/home.js";
import { decryptSecretKey } from "./secret-key-file.js";
import { keyPaths } from "./keygen.js";

/** Prefix of the `AGENTGOV_SIGNING_KEY` value. */
export const SIGNING_KEY_PREFIX = "agentgov-ed25519-sk:";
const KEY_FILE_MAX_BYTES = 4096;

/** A usable signing key. Zero `secretKey` when done. */
export interface SigningKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  keyid: KeyId;
  /** Where it came from. */
  source: "file" | "env" | "default";
}

/** Options of {@link loadSigningKey}. */
export interface LoadSigningKeyOptions {
  /** An encrypted key file (`--key`); wins over everything. */
  keyPath?: string;
  /** Passphrase for a key file; needed unless the env variable supplies the key. */
  passphrase?: string;
  /** Environment; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Home folder; default from `env`. */
  home?: string;
}

/** Parses an `AGENTGOV_SIGNING_KEY` value; anything malformed is `REGISTRY_REQUEST_INVALID` (the value is never echoed). */
export function parseSigningKeyEnv(value: string): { secretKey: Uint8Array; publicKey: Uint8Array; keyid: KeyId } {
  const seed = value.startsWith(SIGNING_KEY_PREFIX) ? fromBase64(value.slice(SIGNING_KEY_PREFIX.length)) : undefined;
  if (seed?.byteLength !== ED25519_SECRET_KEY_BYTES) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `AGENTGOV_SIGNING_KEY must be ${SIGNING_KEY_PREFIX}<base64 of 32 bytes>`);
  }
  const publicKey = publicKeyOf(seed);
  return { secretKey: seed, publicKey, keyid: keyIdOf(publicKey) };
}

/** Resolves and opens the signing key by the §5.1 precedence. */
export async function loadSigningKey(options: LoadSigningKeyOptions = {}): Promise<SigningKey> {
  const env = options.env ?? process.env;
  if (options.keyPath !== undefined) return { ...(await openKeyFile(options.keyPath, options.passphrase)), source: "file" };
  const fromEnv = env.AGENTGOV_SIGNING_KEY;
  if (fromEnv !== undefined && fromEnv !== "") return { ...parseSigningKeyEnv(fromEnv), source: "env" };
  const home = options.home ?? agentgovHome(env);
  return { ...(await openKeyFile(keyPaths(home).secret, options.passphrase)), source: "default" };
}

async function openKeyFile(path: string, passphrase: string | undefined): Promise<{ secretKey: Uint8Array; publicKey: Uint8Array; keyid: KeyId }> {
  if (passphrase === undefined) throw new RegistryError("REGISTRY_REQUEST_INVALID", "a passphrase is required to open a key file");
  const bytes = await readFileBounded(path, KEY_FILE_MAX_BYTES, "REGISTRY_STORE_CORRUPT");
  let json: unknown;
  try {
    json = parseJsonBounded(bytes, { maxBytes: KEY_FILE_MAX_BYTES });
  } catch (error) {
    throw new RegistryError("REGISTRY_STORE_CORRUPT", `${path} is not valid JSON`, { cause: error });
  }
  return decryptSecretKey(json, passphrase);
}
