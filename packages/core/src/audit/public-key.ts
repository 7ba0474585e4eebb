/**
 * Strict import of Ed25519 public keys. `node:crypto` imports any 32 bytes, including
 * small-order points, for which a signature can verify any message; this import refuses
 * keys that are not 32 bytes, not canonically encoded, or of small order.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { AgentGovError } from "../errors.js";

/**
 * Encodings of the eight small-order points of edwards25519 (order 1, 2, 4 and 8). Their
 * non-canonical encodings (y ≥ p, or x = 0 with the sign bit set) are refused by the
 * canonicality check before this list is consulted.
 */
const SMALL_ORDER = new Set([
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
]);

/** p = 2^255 - 19. */
const P = (1n << 255n) - 19n;

/**
 * Imports an Ed25519 public key from its raw 32 bytes or a PEM (SPKI) text, refusing
 * wrong lengths, non-canonical encodings and small-order points.
 * @throws AgentGovError `INVALID_KEY`
 */
export function importEd25519PublicKey(key: Uint8Array | string): KeyObject {
  const raw = typeof key === "string" ? rawFromPem(key) : key;
  if (raw.length !== 32) throw invalid(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  const bytes = Buffer.from(raw);
  const sign = (bytes[31] ?? 0) >> 7;
  const yBytes = Buffer.from(bytes);
  yBytes[31] = (yBytes[31] ?? 0) & 0x7f;
  const y = BigInt(`0x${Buffer.from(yBytes).reverse().toString("hex")}`);
  if (y >= P) throw invalid("the key is not canonically encoded (y ≥ 2^255 - 19)");
  // x = 0 exactly for y = 1 and y = p - 1; then the sign bit must be 0.
  if (sign === 1 && (y === 1n || y === P - 1n)) throw invalid("the key is not canonically encoded (x = 0 with the sign bit set)");
  if (SMALL_ORDER.has(bytes.toString("hex"))) throw invalid("the key is a small-order point, which would verify forged signatures");
  try {
    return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: bytes.toString("base64url") }, format: "jwk" });
  } catch (error) {
    throw invalid(`the key is not a point of edwards25519 (${(error as Error).message})`);
  }
}

/** The raw 32 bytes of an Ed25519 SPKI PEM key. */
function rawFromPem(pem: string): Uint8Array {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw invalid(`unreadable public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw invalid(`expected an Ed25519 key, got ${String(key.asymmetricKeyType)}`);
  const jwk = key.export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw invalid("the key has no public point");
  return Buffer.from(jwk.x, "base64url");
}

function invalid(message: string): AgentGovError {
  return new AgentGovError("INVALID_KEY", message);
}
