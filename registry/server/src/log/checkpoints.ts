/**
 * Signed checkpoints (REGISTRY.md §4.8): a C2SP `tlog-checkpoint` note over the current tree
 * head, signed by the `log` role after every commit and re-signed on a schedule (at least
 * hourly), so clients never see one older than 24 h.
 */
import { formatCheckpointBody, noteKeyHash, toBase64, utf8, type Checkpoint } from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import type { CheckpointRow } from "../storage/meta-store.js";
import type { Signer } from "../keys/signer.js";
import { treeRoot } from "./merkle-log.js";
import type { Every } from "../clock.js";

/** The signed note of `cp` (same format as the protocol's `signCheckpoint`). */
export async function signCheckpointNote(cp: Checkpoint, signer: Signer): Promise<string> {
  const body = formatCheckpointBody(cp);
  const sig = await signer.sign(utf8(body));
  const blob = new Uint8Array(4 + sig.byteLength);
  blob.set(noteKeyHash(cp.origin, signer.publicKey), 0);
  blob.set(sig, 4);
  return `${body}\n\u2014 ${cp.origin} ${toBase64(blob)}\n`;
}

/** Signs and stores a checkpoint of the committed tree head; returns it. */
export function commitCheckpoint(ctx: RegistryContext): Promise<CheckpointRow> {
  return ctx.meta.transaction(async (tx) => {
    const size = await tx.logSize();
    const rootHash = await treeRoot(tx, size);
    const previous = await tx.latestCheckpoint();
    // Timestamps never go backwards, even if the clock does.
    const timestamp = Math.max(ctx.clock.now(), previous?.timestamp ?? 0);
    const note = await signCheckpointNote({ origin: ctx.origin, size, rootHash, timestamp }, ctx.signers.log);
    const row = { size, timestamp, note };
    await tx.insertCheckpoint(row);
    return row;
  });
}

/**
 * Re-signs the checkpoint every `intervalMs` (default hourly). Returns a stop function.
 * A failed re-sign is reported to `onError` and retried at the next tick.
 */
export function scheduleCheckpoints(ctx: RegistryContext, every: Every, intervalMs: number, onError: (error: unknown) => void): () => void {
  return every(intervalMs, () => {
    commitCheckpoint(ctx).catch(onError);
  });
}
