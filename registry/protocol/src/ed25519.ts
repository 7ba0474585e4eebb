/**
 * Ed25519 (REGISTRY.md §4.6) through `@noble/ed25519` v3 with `node:crypto` SHA-512 plugged
 * in. Verification is RFC 8032 strict only (`zip215: false`: canonical `A` and `R`, `S < L`,
 * small-order keys refused) and every exception maps to *invalid*. `node:crypto` never
 * verifies Ed25519: it accepts a small-order key that verifies any message.
 */
import * as ed from "@noble/ed25519";
import { RegistryError } from "./errors.js";
import { sha256, sha512 } from "./hash.js";
import { toHex } from "./encoding.js";

ed.hashes.sha512 = (message) => sha512(message);

/** Bytes of a raw Ed25519 public key. */
export const ED25519_PUBLIC_KEY_BYTES = 32;
/** Bytes of an RFC 8032 secret-key seed. */
export const ED25519_SECRET_KEY_BYTES = 32;
/** Bytes of a signature (`R ‖ S`). */
export const ED25519_SIGNATURE_BYTES = 64;

/** A key id: `ed25519:` + lowercase hex SHA-256 of the raw 32-byte public key (§4.5). */
export type KeyId = `ed25519:${string}`;

const KEYID = /^ed25519:[0-9a-f]{64}$/;

/** The key id of a raw public key. */
export function keyIdOf(publicKey: Uint8Array): KeyId {
  return `ed25519:${toHex(sha256(publicKey))}`;
}

/** True for a syntactically valid key id. */
export function isKeyId(value: unknown): value is KeyId {
  return typeof value === "string" && KEYID.test(value);
}

/**
 * Why a public key is refused, or `undefined` when it is acceptable: exactly 32 bytes,
 * a canonical encoding of a curve point, and not of small order.
 */
export function publicKeyWeakness(publicKey: Uint8Array): string | undefined {
  if (publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) return "public key is not 32 bytes";
  let point: ed.Point;
  try {
    point = ed.Point.fromBytes(publicKey, false);
  } catch {
    return "public key is not a canonical curve point";
  }
  if (point.isSmallOrder()) return "public key has small order";
  return undefined;
}

/** Throws `REGISTRY_WEAK_KEY` unless {@link publicKeyWeakness} finds nothing (binding, rotation, trust import). */
export function assertStrongPublicKey(publicKey: Uint8Array): void {
  const weakness = publicKeyWeakness(publicKey);
  if (weakness !== undefined) throw new RegistryError("REGISTRY_WEAK_KEY", weakness);
}

/** Strict RFC 8032 verification; false for any malformed input or exception, never throws. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES || publicKeyWeakness(publicKey) !== undefined) return false;
  try {
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Signs `message` with a 32-byte secret-key seed (RFC 8032, deterministic). */
export function signEd25519(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertSecretKey(secretKey);
  return ed.sign(message, secretKey);
}

/** The public key of a 32-byte secret-key seed. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  assertSecretKey(secretKey);
  return ed.getPublicKey(secretKey);
}

/** A fresh key pair (seed from the platform CSPRNG). */
export function generateKeyPair(): { secretKey: Uint8Array; publicKey: Uint8Array; keyid: KeyId } {
  const { secretKey, publicKey } = ed.keygen();
  return { secretKey, publicKey, keyid: keyIdOf(publicKey) };
}

function assertSecretKey(secretKey: Uint8Array): void {
  if (secretKey.byteLength !== ED25519_SECRET_KEY_BYTES) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", "secret key is not a 32-byte seed");
  }
}
