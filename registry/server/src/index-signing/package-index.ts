/**
 * The signed per-package index (REGISTRY.md §4.9), built from the store and signed by the
 * `index` role. Every change (publish, yank, block, a key event of the owner) and every
 * re-sign bumps `indexVersion`, so one `indexVersion` always names one byte string; the
 * version set never shrinks (blocked versions stay, with their status).
 */
import {
  formatRfc3339Seconds, selectVersion, toBase64, validatePackageIndex, type IndexKey, type IndexVersion, type PackageIndex,
} from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import type { MetaReader, MetaWriter } from "../storage/meta-store.js";
import { signEnvelope } from "../keys/sign-envelope.js";
import { treeRoot } from "../log/merkle-log.js";
import { RegistryError, canonicalJson } from "@agentgov/registry-protocol";

async function buildIndex(r: MetaReader, ctx: RegistryContext, name: string, indexVersion: number, issuedAt: number): Promise<PackageIndex> {
  const pkg = await r.getPackage(name);
  if (pkg === undefined) throw new RegistryError("REGISTRY_VERSION_UNAVAILABLE", `no package ${name}`);
  const size = await r.logSize();
  const root = toBase64(await treeRoot(r, size));
  const keys: IndexKey[] = (await r.listKeys(pkg.publisher)).map((k) => {
    const key: IndexKey = { keyid: k.keyid, boundAt: k.boundIdx };
    if (k.revokedIdx !== undefined) key.revokedAt = k.revokedIdx;
    if (k.compromisedSince !== undefined) key.compromisedSince = k.compromisedSince;
    return key;
  });
  const versions: Record<string, IndexVersion> = {};
  const active: string[] = [];
  for (const v of await r.listVersions(name)) {
    // The protocol's index schema has no way to say "blocked" or "yanked" for an unsigned
    // version, so those stay "unsigned" here; blob and npm routes still enforce the block (410).
    const status = v.manifestSha256 === undefined ? "unsigned" : v.status;
    const entry: IndexVersion = { sha512: v.sha512, size: v.size, keyids: v.keyids, logIndex: v.logIndex, status };
    if (v.manifestSha256 !== undefined) entry.manifestSha256 = v.manifestSha256;
    versions[v.version] = entry;
    if (v.status === "active") active.push(v.version);
  }
  const latest = selectVersion(active, ">=0.0.0");
  const index: PackageIndex = {
    _type: "agentgov/index/v1", registry: ctx.origin, name, indexVersion,
    issuedAt: formatRfc3339Seconds(issuedAt), expires: formatRfc3339Seconds(issuedAt + ctx.limits.indexValiditySeconds),
    checkpoint: { size, root }, distTags: latest === undefined ? {} : { latest }, keys, versions,
  };
  return validatePackageIndex(index);
}

/** Bumps `indexVersion` of `name`, signs the new index and stores it; returns the envelope JSON. */
export async function refreshIndex(tx: MetaWriter, ctx: RegistryContext, name: string): Promise<string> {
  const pkg = await tx.getPackage(name);
  if (pkg === undefined) throw new RegistryError("REGISTRY_VERSION_UNAVAILABLE", `no package ${name}`);
  const indexVersion = pkg.indexVersion + 1;
  const previous = await tx.getSignedIndex(name);
  const issuedAt = Math.max(ctx.clock.now(), previous?.issuedAt ?? 0);
  const index = await buildIndex(tx, ctx, name, indexVersion, issuedAt);
  const envelope = canonicalJson(await signEnvelope("index", index, [ctx.signers.index]));
  await tx.setIndexVersion(name, indexVersion);
  await tx.putSignedIndex({ name, indexVersion, issuedAt, envelope });
  return envelope;
}

/** Refreshes the index of every package of `publisher` (after a key event). */
export async function refreshPublisherIndexes(tx: MetaWriter, ctx: RegistryContext, publisher: string): Promise<void> {
  for (const pkg of await tx.listPackagesOf(publisher)) await refreshIndex(tx, ctx, pkg.name);
}

/**
 * The index to serve for `name`: the stored one while younger than the refresh age, else a
 * freshly re-signed one (new `indexVersion`). `undefined` for an unknown package.
 */
export async function currentIndex(ctx: RegistryContext, name: string): Promise<string | undefined> {
  const stored = await ctx.meta.read((r) => r.getSignedIndex(name));
  if (stored === undefined) return undefined;
  if (ctx.clock.now() - stored.issuedAt < ctx.limits.indexRefreshSeconds) return stored.envelope;
  return ctx.meta.transaction(async (tx) => {
    const again = await tx.getSignedIndex(name);
    if (again !== undefined && ctx.clock.now() - again.issuedAt < ctx.limits.indexRefreshSeconds) return again.envelope;
    return refreshIndex(tx, ctx, name);
  });
}
