/**
 * Ed25519 keys for signed checkpoints: generation, PEM/KeyObject normalisation, key ids.
 * Keys are turned into KeyObjects once (when a sink is created or a verification starts)
 * and reused for every signature.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { AgentGovError } from "../errors.js";
import { sha256Hex } from "./digest.js";

/** An Ed25519 key pair as PEM strings, with the key id logs record in their header. */
export interface AuditKeyPair {
  /** SPKI PEM: give it to `verifyAudit` / `agentgov audit verify --key`. */
  publicKey: string;
  /** PKCS#8 PEM: give it to a sink as `signingKey`. Keep it secret. */
  privateKey: string;
  /** sha256 (hex) of the raw 32-byte public key. */
  keyId: string;
}

/** Generates a fresh Ed25519 key pair for signing audit checkpoints. */
export function generateAuditKeyPair(): AuditKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** A private key ready to sign, with its key id. */
export interface AuditSigner {
  key: KeyObject;
  keyId: string;
}

/** Normalises a signing key (PEM string or private KeyObject) into an Ed25519 {@link AuditSigner}. */
export function toSigner(key: KeyObject | string): AuditSigner {
  let keyObject: KeyObject;
  try {
    keyObject = typeof key === "string" ? createPrivateKey(key) : key;
  } catch (error) {
    throw new AgentGovError("INVALID_OPTIONS", `audit signingKey is not a readable private key: ${(error as Error).message}`, { cause: error });
  }
  if (keyObject.type !== "private") throw new AgentGovError("INVALID_OPTIONS", "audit signingKey must be a private key");
  assertEd25519(keyObject, "signingKey");
  return { key: keyObject, keyId: keyIdOf(keyObject) };
}

/** Normalises a verification key (public or private PEM / KeyObject) into an Ed25519 public KeyObject. */
export function toPublicKey(key: KeyObject | string): KeyObject {
  let keyObject: KeyObject;
  try {
    keyObject = typeof key === "string" || key.type === "private" ? createPublicKey(key) : key;
  } catch (error) {
    throw new AgentGovError("INVALID_OPTIONS", `audit publicKey is not a readable key: ${(error as Error).message}`, { cause: error });
  }
  if (keyObject.type !== "public") throw new AgentGovError("INVALID_OPTIONS", "audit publicKey must be an Ed25519 public key");
  assertEd25519(keyObject, "publicKey");
  return keyObject;
}

/** sha256 (hex) of the raw 32-byte Ed25519 public key of `key` (public or private). */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw new AgentGovError("INVALID_OPTIONS", "audit key has no raw public part");
  return sha256Hex(Buffer.from(jwk.x, "base64url"));
}

function assertEd25519(key: KeyObject, name: string): void {
  if (key.asymmetricKeyType !== "ed25519") {
    throw new AgentGovError("INVALID_OPTIONS", `audit ${name} must be an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  }
}
