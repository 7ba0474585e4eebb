/**
 * The RFC 6962 transparency log over the {@link MetaStore} (REGISTRY.md §4.8): leaves are the
 * protocol's log entries (`SHA-256(0x00 ‖ JCS(entry))`); every complete, aligned subtree is
 * cached in `log_nodes` when its last leaf is appended (immutable), so tree heads and proofs
 * need O(log² n) lookups. Proofs follow RFC 6962 §2.1.1–§2.1.2 and verify with the protocol's
 * `verifyInclusion` / `verifyConsistency`.
 */
import {
  RegistryError, canonicalJson, emptyRoot, logEntryLeafHash, nodeHash, validateLogEntry,
  type ConsistencyProof, type InclusionProof, type LogEntry,
} from "@agentgov/registry-protocol";
import type { MetaReader, MetaWriter } from "../storage/meta-store.js";

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function corrupt(message: string): never {
  throw new RegistryError("REGISTRY_STORE_CORRUPT", message);
}

/** Appends `entry` (validated, canonical) as the next leaf; returns its index and leaf hash. */
export async function appendEntry(tx: MetaWriter, entry: LogEntry): Promise<{ index: number; leafHash: Uint8Array }> {
  const valid = validateLogEntry(entry);
  const leafHash = logEntryLeafHash(valid);
  const index = await tx.appendLeaf(canonicalJson(valid), leafHash);
  await tx.putNode(0, index, leafHash);
  let level = 0;
  let at = index;
  let hash = leafHash;
  while (at % 2 === 1) {
    const left = await tx.getNode(level, at - 1) ?? corrupt(`missing log node ${level}/${at - 1}`);
    hash = nodeHash(left, hash);
    level++;
    at = (at - 1) / 2;
    await tx.putNode(level, at, hash);
  }
  return { index, leafHash };
}

/** MTH of leaves `[start, end)`; complete aligned subtrees come from the node cache. */
async function rangeHash(r: MetaReader, start: number, end: number): Promise<Uint8Array> {
  const n = end - start;
  if (n === 0) return emptyRoot();
  if ((n & (n - 1)) === 0 && start % n === 0) {
    const level = Math.log2(n);
    return await r.getNode(level, start / n) ?? corrupt(`missing log node ${level}/${start / n}`);
  }
  const k = split(n);
  return nodeHash(await rangeHash(r, start, start + k), await rangeHash(r, start + k, end));
}

function checkSize(size: number, logSize: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > logSize) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `tree size ${size} is outside the log (size ${logSize})`);
  }
}

/** The root hash of the first `size` leaves. */
export async function treeRoot(r: MetaReader, size: number): Promise<Uint8Array> {
  checkSize(size, await r.logSize());
  return rangeHash(r, 0, size);
}

async function path(r: MetaReader, m: number, start: number, end: number): Promise<Uint8Array[]> {
  const n = end - start;
  if (n <= 1) return [];
  const k = split(n);
  return m < k
    ? [...await path(r, m, start, start + k), await rangeHash(r, start + k, end)]
    : [...await path(r, m - k, start + k, end), await rangeHash(r, start, start + k)];
}

/** The inclusion proof of leaf `index` in the tree of the first `size` leaves. */
export async function inclusionProofAt(r: MetaReader, index: number, size: number): Promise<InclusionProof> {
  checkSize(size, await r.logSize());
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `leaf ${index} is outside a tree of ${size}`);
  }
  return { leafIndex: index, treeSize: size, hashes: await path(r, index, 0, size) };
}

async function subproof(r: MetaReader, m: number, start: number, end: number, complete: boolean): Promise<Uint8Array[]> {
  const n = end - start;
  if (m === n) return complete ? [] : [await rangeHash(r, start, end)];
  const k = split(n);
  return m <= k
    ? [...await subproof(r, m, start, start + k, complete), await rangeHash(r, start + k, end)]
    : [...await subproof(r, m - k, start + k, end, false), await rangeHash(r, start, start + k)];
}

/** The consistency proof from the first `from` leaves to the first `to` leaves. */
export async function consistencyProofAt(r: MetaReader, from: number, to: number): Promise<ConsistencyProof> {
  checkSize(to, await r.logSize());
  if (!Number.isSafeInteger(from) || from < 0 || from > to) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `size ${from} is outside a tree of ${to}`);
  }
  const hashes = from === 0 || from === to ? [] : await subproof(r, from, 0, to, true);
  return { firstSize: from, secondSize: to, hashes };
}
