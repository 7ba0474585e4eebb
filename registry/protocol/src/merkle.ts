/**
 * RFC 6962 / RFC 9162 Merkle tree hashing with SHA-256 and proof verification
 * (REGISTRY.md §4.8): leaf `H(0x00 ‖ data)`, node `H(0x01 ‖ left ‖ right)`. Verifiers follow
 * RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) and return false for any
 * malformed input; a proof longer than 64 hashes is refused. Sizes and indices are safe
 * integers, shifted arithmetically (JS bit operators are 32-bit).
 */
import { DEFAULT_LIMITS } from "./limits.js";
import { RegistryError } from "./errors.js";
import { bytesEqual } from "./encoding.js";
import { canonicalBytes } from "./canonical-json.js";
import { sha256 } from "./hash.js";

/** Bytes of a SHA-256 tree hash. */
export const TREE_HASH_BYTES = 32;

const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

/** `SHA-256(0x00 ‖ data)`. */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(LEAF, data);
}

/** The leaf hash of a log entry: `SHA-256(0x00 ‖ JCS(entry))`. */
export function entryLeafHash(entry: unknown): Uint8Array {
  return leafHash(canonicalBytes(entry));
}

/** `SHA-256(0x01 ‖ left ‖ right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE, left, right);
}

/** The root of the empty tree, `SHA-256("")`. */
export function emptyRoot(): Uint8Array {
  return sha256();
}

const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;

function wellFormed(hashes: readonly Uint8Array[]): boolean {
  return hashes.length <= DEFAULT_LIMITS.proofHashes && hashes.every((h) => h.byteLength === TREE_HASH_BYTES);
}

function validSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** An inclusion proof of one leaf in a tree of `treeSize` leaves. */
export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  /** Audit path, leaf to root. */
  hashes: readonly Uint8Array[];
}

/**
 * The root an inclusion proof implies for `leaf` (a leaf hash), or `undefined` when the
 * proof is malformed for its index and size (RFC 9162 §2.1.3.2 steps 1–3).
 */
export function rootFromInclusionProof(leaf: Uint8Array, proof: InclusionProof): Uint8Array | undefined {
  const { leafIndex, treeSize, hashes } = proof;
  if (!validSize(leafIndex) || !validSize(treeSize) || leafIndex >= treeSize) return undefined;
  if (leaf.byteLength !== TREE_HASH_BYTES || !wellFormed(hashes)) return undefined;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of hashes) {
    if (sn === 0) return undefined;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : undefined;
}

/** True when `proof` shows that `leaf` (a leaf hash) is in the tree with root `root`. */
export function verifyInclusion(leaf: Uint8Array, proof: InclusionProof, root: Uint8Array): boolean {
  const computed = rootFromInclusionProof(leaf, proof);
  return computed !== undefined && bytesEqual(computed, root);
}

/** Throws `REGISTRY_LOG_PROOF_INVALID` unless {@link verifyInclusion} holds. */
export function assertInclusion(leaf: Uint8Array, proof: InclusionProof, root: Uint8Array): void {
  if (!verifyInclusion(leaf, proof, root)) {
    throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `inclusion proof of leaf ${proof.leafIndex} in tree ${proof.treeSize} does not verify`);
  }
}

/** A consistency proof between two tree heads of one log. */
export interface ConsistencyProof {
  firstSize: number;
  secondSize: number;
  hashes: readonly Uint8Array[];
}

/**
 * True when `proof` shows that the tree of `firstSize` leaves with root `firstRoot` is a
 * prefix of the tree of `secondSize` leaves with root `secondRoot` (RFC 9162 §2.1.4.2).
 * Equal sizes need an empty proof and equal roots; a first size of 0 needs an empty proof.
 */
export function verifyConsistency(proof: ConsistencyProof, firstRoot: Uint8Array, secondRoot: Uint8Array): boolean {
  const { firstSize, secondSize, hashes } = proof;
  if (!validSize(firstSize) || !validSize(secondSize) || firstSize > secondSize) return false;
  if (firstRoot.byteLength !== TREE_HASH_BYTES || secondRoot.byteLength !== TREE_HASH_BYTES || !wellFormed(hashes)) return false;
  if (firstSize === secondSize) return hashes.length === 0 && bytesEqual(firstRoot, secondRoot);
  if (firstSize === 0) return hashes.length === 0;
  if (hashes.length === 0) return false;
  const path = isPowerOfTwo(firstSize) ? [firstRoot, ...hashes] : [...hashes];
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  const [first, ...rest] = path as [Uint8Array, ...Uint8Array[]];
  let fr = first;
  let sr = first;
  for (const c of rest) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(fr, firstRoot) && bytesEqual(sr, secondRoot);
}

/** Throws `REGISTRY_LOG_FORK` unless {@link verifyConsistency} holds. */
export function assertConsistency(proof: ConsistencyProof, firstRoot: Uint8Array, secondRoot: Uint8Array): void {
  if (!verifyConsistency(proof, firstRoot, secondRoot)) {
    throw new RegistryError("REGISTRY_LOG_FORK", `tree ${proof.firstSize} is not proven a prefix of tree ${proof.secondSize}`);
  }
}

function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && !odd(m)) m = half(m);
  return m === 1;
}
