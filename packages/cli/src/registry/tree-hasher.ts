/**
 * An incremental RFC 6962 tree head: leaves are appended one by one and only the perfect
 * subtrees of the current size are kept (O(log n) memory), so `registry log verify` can
 * recompute the root of a log of any size, and of any prefix it passes.
 */
import { emptyRoot, nodeHash } from "@agentgov/registry-protocol";

/** Computes MTH(leaves) incrementally. */
export class TreeHasher {
  /** Perfect subtree roots, largest (leftmost) first, with their leaf counts. */
  private readonly stack: { hash: Uint8Array; size: number }[] = [];
  private count = 0;

  /** Number of leaves appended. */
  get size(): number {
    return this.count;
  }

  /** Appends a leaf hash. */
  append(leafHash: Uint8Array): void {
    let entry = { hash: leafHash, size: 1 };
    for (let top = this.stack.at(-1); top?.size === entry.size; top = this.stack.at(-1)) {
      this.stack.pop();
      entry = { hash: nodeHash(top.hash, entry.hash), size: top.size * 2 };
    }
    this.stack.push(entry);
    this.count += 1;
  }

  /** The root of the leaves appended so far (RFC 6962 MTH; the empty root for none). */
  root(): Uint8Array {
    const last = this.stack.at(-1);
    if (last === undefined) return emptyRoot();
    let hash = last.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) hash = nodeHash((this.stack[i] as { hash: Uint8Array }).hash, hash);
    return hash;
  }
}
