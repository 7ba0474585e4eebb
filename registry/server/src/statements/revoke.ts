/**
 * Revocation (REGISTRY.md §5.2): signed by the revoked key itself, by the threshold of the
 * publisher's active keys, or by the registry `admin` role. New publishes by the key are
 * rejected from then on; versions it signed stay valid only when logged strictly below
 * `compromisedSince` (default: the revoke entry's own index; never later than it).
 */
import { RegistryError, keyIdOf, validateEnvelope, validateRevoke, verifyEnvelope, type Envelope, type RevokeStatement } from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import { refreshPublisherIndexes } from "../index-signing/package-index.js";
import { checkStatement, logStatement, peekPayload } from "./statement-common.js";

/** Applies a revocation; resolves with its log index. */
export async function revokeKey(ctx: RegistryContext, envelope: Envelope, requireKeysOf: (publisher: string) => void): Promise<number> {
  validateEnvelope(envelope, { maxBytes: ctx.limits.envelopeBytes });
  const claimed = validateRevoke(peekPayload(envelope, ctx.limits.envelopeBytes));
  requireKeysOf(claimed.publisher);
  return ctx.meta.transaction(async (tx) => {
    const target = await tx.getKey(claimed.keyid);
    if (target?.publisher !== claimed.publisher) {
      throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `${claimed.keyid} is not a key of ${claimed.publisher}`);
    }
    if (target.revokedIdx !== undefined) throw new RegistryError("REGISTRY_KEY_REVOKED", `${claimed.keyid} is already revoked`);
    const publisher = await tx.getPublisher(claimed.publisher);
    const active = (await tx.listKeys(claimed.publisher)).filter((k) => k.removedIdx === undefined && k.revokedIdx === undefined);
    const adminKey = ctx.signers.admin.publicKey;
    const trusted = [...new Map([target, ...active].map((k) => [k.keyid, k.publicKey])).values(), adminKey];
    const result = verifyEnvelope<RevokeStatement>(envelope, { kind: "revoke", trustedKeys: trusted, threshold: 1, validate: validateRevoke });
    if (!result.ok) throw result.error;
    const signers = new Set(result.keyids);
    const activeSigners = active.filter((k) => signers.has(k.keyid)).length;
    const authorised = signers.has(target.keyid) || signers.has(keyIdOf(adminKey)) || activeSigners >= (publisher?.threshold ?? 1);
    if (!authorised) throw new RegistryError("REGISTRY_THRESHOLD", "a revocation needs the key itself, the publisher's threshold or the admin role");
    const statement = result.statement;
    await checkStatement(tx, ctx, envelope, statement);
    const nextIndex = await tx.logSize();
    const since = statement.compromisedSince ?? nextIndex;
    if (since > nextIndex) throw new RegistryError("REGISTRY_REQUEST_INVALID", "compromisedSince is after the revocation", { path: "compromisedSince" });
    const index = await logStatement(tx, ctx, "revoke", envelope, { publisher: statement.publisher, keyids: [statement.keyid] });
    await tx.markKeyRevoked(statement.keyid, index, since);
    await refreshPublisherIndexes(tx, ctx, statement.publisher);
    return index;
  });
}
