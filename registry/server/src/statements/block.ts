/**
 * Block (REGISTRY.md §5.2): signed by the registry `admin` role. The version is never
 * installable again; its row, log entry and index entry stay (status `blocked`) and the
 * version number is never reusable. With `purge`, the bytes are deleted after the commit and
 * blob fetches answer 410.
 */
import { RegistryError, validateBlock, validateEnvelope, verifyEnvelope, type BlockStatement, type Envelope } from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import { refreshIndex } from "../index-signing/package-index.js";
import { notFound } from "../http/http-error.js";
import { checkStatement, logStatement } from "./statement-common.js";

/** Applies a block; resolves with its log index. */
export async function blockVersion(ctx: RegistryContext, envelope: Envelope): Promise<number> {
  validateEnvelope(envelope, { maxBytes: ctx.limits.envelopeBytes });
  const result = verifyEnvelope<BlockStatement>(envelope, {
    kind: "block", trustedKeys: [ctx.signers.admin.publicKey], threshold: 1, validate: validateBlock,
  });
  if (!result.ok) throw result.error;
  const statement = result.statement;
  const { index, sha512 } = await ctx.meta.transaction(async (tx) => {
    await checkStatement(tx, ctx, envelope, statement);
    const pkg = await tx.getPackage(statement.name);
    const version = await tx.getVersion(statement.name, statement.version);
    if (pkg === undefined || version === undefined) throw notFound(`no version ${statement.name}@${statement.version}`);
    if (version.status === "blocked") throw new RegistryError("REGISTRY_REQUEST_INVALID", `${statement.name}@${statement.version} is already blocked`);
    const at = await logStatement(tx, ctx, "block", envelope, {
      publisher: pkg.publisher, keyids: [...result.keyids], name: statement.name, version: statement.version,
    });
    await tx.setVersionStatus(statement.name, statement.version, "blocked", statement.purge === true);
    await refreshIndex(tx, ctx, statement.name);
    return { index: at, sha512: version.sha512 };
  });
  if (statement.purge === true) await ctx.blobs.purge(sha512);
  return index;
}
