/**
 * Receipts (REGISTRY.md §6.1): `{logIndex, entry, inclusionProof, checkpoint}` for one log
 * leaf, with the proof against the given signed checkpoint. Proof hashes are base64.
 */
import { parseJsonBounded, toBase64, type InclusionProof } from "@agentgov/registry-protocol";
import type { CheckpointRow, MetaReader } from "../storage/meta-store.js";
import { inclusionProofAt } from "../log/merkle-log.js";
import { notFound } from "../http/http-error.js";

/** An inclusion proof as JSON. */
export interface InclusionProofJson {
  leafIndex: number;
  treeSize: number;
  hashes: string[];
}

/** A publish (or statement) receipt. */
export interface Receipt {
  logIndex: number;
  entry: unknown;
  inclusionProof: InclusionProofJson;
  checkpoint: string;
}

/** JSON form of an inclusion proof. */
export function inclusionProofJson(proof: InclusionProof): InclusionProofJson {
  return { leafIndex: proof.leafIndex, treeSize: proof.treeSize, hashes: proof.hashes.map(toBase64) };
}

/** The receipt of leaf `logIndex` against `checkpoint` (which must cover it). */
export async function receiptFor(r: MetaReader, logIndex: number, checkpoint: CheckpointRow): Promise<Receipt> {
  const [leaf] = await r.getLeaves(logIndex, logIndex + 1);
  if (leaf === undefined || logIndex >= checkpoint.size) throw notFound(`log entry ${logIndex} is not covered by the checkpoint`);
  const proof = await inclusionProofAt(r, logIndex, checkpoint.size);
  return { logIndex, entry: parseJsonBounded(leaf.entry, { maxBytes: 64 * 1024 }), inclusionProof: inclusionProofJson(proof), checkpoint: checkpoint.note };
}
