/**
 * Key binding (REGISTRY.md §5.2): a publisher's first key, with proof of possession (the
 * `key-binding` statement is signed by the key it binds). Allowed only while the publisher
 * has no keys at all; later keys arrive through `rotate`.
 */
import {
  RegistryError, fromBase64, keyIdOf, validateEnvelope, validateKeyBinding, verifyEnvelope, type KeyBindingStatement,
} from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import { refreshPublisherIndexes } from "../index-signing/package-index.js";
import { checkStatement, logStatement, peekPayload } from "./statement-common.js";

/** Binds the first key of `publisher`; resolves with the bind entry's log index. */
export async function bindKey(ctx: RegistryContext, publisher: string, body: unknown): Promise<number> {
  const envelope = validateEnvelope(body, { maxBytes: ctx.limits.envelopeBytes });
  const claimed = validateKeyBinding(peekPayload(envelope, ctx.limits.envelopeBytes));
  const publicKey = fromBase64(claimed.publicKey) ?? new Uint8Array();
  const result = verifyEnvelope<KeyBindingStatement>(envelope, { kind: "key-binding", trustedKeys: [publicKey], threshold: 1, validate: validateKeyBinding });
  if (!result.ok) throw result.error;
  const statement = result.statement;
  if (statement.publisher !== publisher) throw new RegistryError("REGISTRY_REQUEST_INVALID", `statement binds a key of ${statement.publisher}`, { path: "publisher" });
  const keyid = keyIdOf(publicKey);
  return ctx.meta.transaction(async (tx) => {
    await checkStatement(tx, ctx, envelope, statement);
    if (await tx.getPublisher(publisher) === undefined) throw new RegistryError("REGISTRY_REQUEST_INVALID", `publisher ${publisher} is unknown`);
    if ((await tx.listKeys(publisher)).length > 0) {
      throw new RegistryError("REGISTRY_KEY_CHANGED", `${publisher} already has keys; add keys with a rotation`);
    }
    if (await tx.getKey(keyid) !== undefined) throw new RegistryError("REGISTRY_REQUEST_INVALID", `${keyid} is already bound`);
    const index = await logStatement(tx, ctx, "bind", envelope, { publisher, keyids: [keyid] });
    await tx.insertKey({ keyid, publisher, publicKey, boundIdx: index });
    await refreshPublisherIndexes(tx, ctx, publisher);
    return index;
  });
}
