/**
 * A small in-memory reference Merkle tree (RFC 6962 §2.1 definitions of MTH, PATH and PROOF,
 * written recursively), for tests and small logs. Not optimised: each call is O(n) hashing.
 */
import { RegistryError } from "./errors.js";
import { emptyRoot, nodeHash, type ConsistencyProof, type InclusionProof } from "./merkle.js";

/** Largest power of two strictly below `n` (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf hashes: the root of the tree with these leaves. */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  const n = leafHashes.length;
  if (n === 0) return emptyRoot();
  if (n === 1) return leafHashes[0] as Uint8Array;
  const k = split(n);
  return nodeHash(merkleRoot(leafHashes.slice(0, k)), merkleRoot(leafHashes.slice(k)));
}

function path(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (n <= 1) return [];
  const k = split(n);
  return m < k
    ? [...path(m, leaves.slice(0, k)), merkleRoot(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), merkleRoot(leaves.slice(0, k))];
}

/** The inclusion proof (audit path) of leaf `index` in the tree of `leafHashes`. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): InclusionProof {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `leaf ${index} is outside a tree of ${leafHashes.length}`);
  }
  return { leafIndex: index, treeSize: leafHashes.length, hashes: path(index, leafHashes) };
}

function subproof(m: number, leaves: readonly Uint8Array[], complete: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [merkleRoot(leaves)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), complete), merkleRoot(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), merkleRoot(leaves.slice(0, k))];
}

/** The consistency proof from the first `firstSize` leaves to all of `leafHashes`. */
export function consistencyProof(leafHashes: readonly Uint8Array[], firstSize: number): ConsistencyProof {
  const n = leafHashes.length;
  if (!Number.isSafeInteger(firstSize) || firstSize < 0 || firstSize > n) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `size ${firstSize} is outside a tree of ${n}`);
  }
  const hashes = firstSize === 0 || firstSize === n ? [] : subproof(firstSize, leafHashes, true);
  return { firstSize, secondSize: n, hashes };
}
