/**
 * Ed25519 keys of reward records: signers (cached private KeyObject) and trusted public keys
 * by `keyid` = `ed25519:` + hex SHA-256 of the raw 32-byte public key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { AgentGovError } from "@agentgov/core";
import { importEd25519PublicKey } from "@agentgov/core/audit";
import { rlError } from "../errors.js";
import { sha256Hex } from "../internal/canonical.js";

/** A signer: the cached private key and its key id. */
export interface RewardSigner {
  readonly keyid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Trusted verification keys by keyid. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

/** Raw 32-byte Ed25519 public key of a key object. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw rlError("RL_SIGNER_UNAVAILABLE", "key has no raw Ed25519 public part");
  return Buffer.from(jwk.x, "base64url");
}

/** `ed25519:` + hex SHA-256 of the raw public key. */
export function keyidOf(publicKey: KeyObject): string {
  return `ed25519:${sha256Hex(rawPublicKey(publicKey))}`;
}

/**
 * A signer from a PKCS#8 PEM or private KeyObject.
 * @throws `RL_SIGNER_UNAVAILABLE` when it is not an Ed25519 private key.
 */
export function createRewardSigner(key: string | KeyObject): RewardSigner {
  let privateKey: KeyObject;
  try {
    privateKey = typeof key === "string" ? createPrivateKey(key) : key;
  } catch (error) {
    throw rlError("RL_SIGNER_UNAVAILABLE", `signing key is not readable: ${(error as Error).message}`, { cause: error });
  }
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") throw rlError("RL_SIGNER_UNAVAILABLE", "signing key must be an Ed25519 private key");
  const publicKey = createPublicKey(privateKey);
  return Object.freeze({ keyid: keyidOf(publicKey), privateKey, publicKey });
}

/** A fresh Ed25519 signer (tests, demo, `keygen`). */
export function generateRewardSigner(): RewardSigner {
  return createRewardSigner(generateKeyPairSync("ed25519").privateKey);
}

/**
 * Strict import of a trusted Ed25519 public key (raw 32 bytes, SPKI PEM or KeyObject)
 * through core's `importEd25519PublicKey`: wrong lengths, non-canonical encodings and
 * small-order points (which `node:crypto` would accept, and which verify forged
 * signatures) are refused.
 * @throws AgentGovError `INVALID_KEY`
 */
export function importTrustedPublicKey(key: Uint8Array | string | KeyObject): KeyObject {
  if (typeof key === "string" || key instanceof Uint8Array) return importEd25519PublicKey(key);
  if (key.asymmetricKeyType !== "ed25519") throw new AgentGovError("INVALID_KEY", `expected an Ed25519 key, got ${String(key.asymmetricKeyType)}`);
  return importEd25519PublicKey(rawPublicKey(key.type === "private" ? createPublicKey(key) : key));
}

/** Trusted keys by keyid, each through {@link importTrustedPublicKey}. */
export function trustedKeys(keys: readonly (Uint8Array | string | KeyObject)[]): TrustedKeys {
  const map = new Map<string, KeyObject>();
  for (const k of keys) {
    const obj = importTrustedPublicKey(k);
    map.set(keyidOf(obj), obj);
  }
  return map;
}
