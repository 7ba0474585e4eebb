/**
 * Yank (REGISTRY.md §5.2): signed by the owner's threshold of active keys; the version stays
 * in the index with status `yanked` (hidden from ranges, installable through a lockfile pin).
 * Only an `active` version can be yanked; the version number is never reusable.
 */
import { RegistryError, validateEnvelope, validateYank, verifyEnvelope, type Envelope, type YankStatement } from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import { publisherKeys, refuseRevokedSigners } from "../keys/publisher-keys.js";
import { refreshIndex } from "../index-signing/package-index.js";
import { notFound } from "../http/http-error.js";
import { checkStatement, logStatement, peekPayload } from "./statement-common.js";

/** Applies a yank; resolves with its log index. */
export async function yankVersion(ctx: RegistryContext, envelope: Envelope, requirePublishOf: (name: string, publisher: string) => void): Promise<number> {
  validateEnvelope(envelope, { maxBytes: ctx.limits.envelopeBytes });
  const claimed = validateYank(peekPayload(envelope, ctx.limits.envelopeBytes));
  requirePublishOf(claimed.name, claimed.publisher);
  return ctx.meta.transaction(async (tx) => {
    const pkg = await tx.getPackage(claimed.name);
    if (pkg === undefined) throw notFound(`no package ${claimed.name}`);
    if (pkg.publisher !== claimed.publisher) throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `${claimed.name} belongs to ${pkg.publisher}`);
    const keys = await publisherKeys(tx, pkg.publisher);
    refuseRevokedSigners(envelope, keys);
    const result = verifyEnvelope<YankStatement>(envelope, {
      kind: "yank", trustedKeys: keys.active.map((k) => k.publicKey), threshold: keys.publisher.threshold, validate: validateYank,
    });
    if (!result.ok) throw result.error;
    await checkStatement(tx, ctx, envelope, result.statement);
    const version = await tx.getVersion(claimed.name, claimed.version);
    if (version === undefined) throw notFound(`no version ${claimed.name}@${claimed.version}`);
    if (version.status !== "active" && version.status !== "unsigned") {
      throw new RegistryError("REGISTRY_REQUEST_INVALID", `${claimed.name}@${claimed.version} is ${version.status}`);
    }
    const index = await logStatement(tx, ctx, "yank", envelope, { publisher: pkg.publisher, keyids: [...result.keyids].sort(), name: claimed.name, version: claimed.version });
    await tx.setVersionStatus(claimed.name, claimed.version, "yanked", false);
    await refreshIndex(tx, ctx, claimed.name);
    return index;
  });
}
