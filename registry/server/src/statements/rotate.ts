/**
 * Rotation (REGISTRY.md §5.2): signed by the threshold of the publisher's active keys and by
 * every added key. Removed keys must be active keys of the publisher; the resulting key set
 * must meet the (new) threshold; an added key must not be bound anywhere.
 */
import { MAX_PUBLISHER_KEYS, RegistryError, fromBase64, validateEnvelope, verifyRotateEnvelope, type Envelope } from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import { publisherKeys } from "../keys/publisher-keys.js";
import { refreshPublisherIndexes } from "../index-signing/package-index.js";
import { checkStatement, logStatement, peekPayload } from "./statement-common.js";

/** Applies a rotation; resolves with its log index. */
export async function rotateKeys(ctx: RegistryContext, envelope: Envelope, requireKeysOf: (publisher: string) => void): Promise<number> {
  validateEnvelope(envelope, { maxBytes: ctx.limits.envelopeBytes });
  const claimed = peekPayload(envelope, ctx.limits.envelopeBytes) as { publisher?: unknown };
  if (typeof claimed.publisher !== "string") throw new RegistryError("REGISTRY_REQUEST_INVALID", "rotate without publisher", { path: "publisher" });
  requireKeysOf(claimed.publisher);
  return ctx.meta.transaction(async (tx) => {
    const keys = await publisherKeys(tx, claimed.publisher as string);
    const result = verifyRotateEnvelope(envelope, { currentKeys: keys.active.map((k) => k.publicKey), threshold: keys.publisher.threshold });
    if (!result.ok) throw result.error;
    const statement = result.statement;
    await checkStatement(tx, ctx, envelope, statement);
    const activeIds = new Set(keys.active.map((k) => k.keyid));
    for (const keyid of statement.remove) {
      if (!activeIds.has(keyid)) throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `${keyid} is not an active key of ${statement.publisher}`);
    }
    for (const ref of statement.add) {
      if (await tx.getKey(ref.keyid) !== undefined) throw new RegistryError("REGISTRY_REQUEST_INVALID", `${ref.keyid} is already bound`);
    }
    const remaining = keys.active.length - statement.remove.length + statement.add.length;
    const threshold = statement.threshold ?? keys.publisher.threshold;
    if (remaining > MAX_PUBLISHER_KEYS) throw new RegistryError("REGISTRY_REQUEST_INVALID", `more than ${MAX_PUBLISHER_KEYS} keys`);
    if (remaining < threshold) throw new RegistryError("REGISTRY_THRESHOLD", `${remaining} key(s) left for threshold ${threshold}`);
    const index = await logStatement(tx, ctx, "rotate", envelope, {
      publisher: statement.publisher, keyids: [...statement.add.map((a) => a.keyid), ...statement.remove],
    });
    for (const ref of statement.add) {
      await tx.insertKey({ keyid: ref.keyid, publisher: statement.publisher, publicKey: fromBase64(ref.publicKey) ?? new Uint8Array(), boundIdx: index });
    }
    for (const keyid of statement.remove) await tx.markKeyRemoved(keyid, index);
    if (statement.threshold !== undefined) await tx.setThreshold(statement.publisher, statement.threshold);
    await refreshPublisherIndexes(tx, ctx, statement.publisher);
    return index;
  });
}
