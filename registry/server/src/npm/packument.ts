/**
 * npm packuments (REGISTRY.md §6.3) built from the store: the full document
 * (`application/json`) and the abbreviated one (`application/vnd.npm.install-v1+json`).
 * `dist.tarball` comes from the configured `publicUrl`, never the `Host` header; `integrity`
 * and `shasum` are the server's; `signatures` are by the `npm` role; `dist.agentgov` carries
 * `{status, logIndex, envelope}`. Blocked versions are left out; yanked ones are deprecated.
 */
import {
  artifactFilename, fromHex, parseJsonBounded, selectVersion, toBase64, type LogEntry,
} from "@agentgov/registry-protocol";
import type { NpmOptions, RegistryContext } from "../context.js";
import type { MetaReader, VersionRow } from "../storage/meta-store.js";

/** The npm `dist` object of one version. */
export function distOf(ctx: RegistryContext, npm: NpmOptions, v: VersionRow): Record<string, unknown> {
  const integrity = `sha512-${toBase64(fromHex(v.sha512) ?? new Uint8Array())}`;
  const dist: Record<string, unknown> = {
    tarball: `${ctx.publicUrl}/${v.name}/-/${artifactFilename(v.name, v.version)}`,
    integrity,
    signatures: [{ keyid: npm.signer.keyid, sig: npm.signer.sign(`${v.name}@${v.version}:${integrity}`) }],
    agentgov: { status: v.status, logIndex: v.logIndex, ...(v.envelope === undefined ? {} : { envelope: JSON.parse(v.envelope) as unknown }) },
  };
  if (v.shasum !== undefined) dist.shasum = v.shasum;
  return dist;
}

function manifestOf(ctx: RegistryContext, npm: NpmOptions, v: VersionRow, abbreviated: boolean): Record<string, unknown> {
  let pkg: Record<string, unknown> = {};
  if (v.packageJson !== undefined) {
    const parsed = parseJsonBounded(v.packageJson, { maxBytes: 64 * 1024, maxDepth: 16 });
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) pkg = parsed as Record<string, unknown>;
  }
  const base = abbreviated
    ? Object.fromEntries(["dependencies", "optionalDependencies", "peerDependencies", "engines", "os", "cpu"].filter((k) => Object.hasOwn(pkg, k)).map((k) => [k, pkg[k]]))
    : { ...pkg };
  const out: Record<string, unknown> = { ...base, name: v.name, version: v.version, dist: distOf(ctx, npm, v) };
  if (!abbreviated) out._id = `${v.name}@${v.version}`;
  if (v.status === "yanked") out.deprecated = "yanked by its publisher";
  return out;
}

/** The packument of `name`, or `undefined` when the package has no installable version. */
export async function packument(r: MetaReader, ctx: RegistryContext, npm: NpmOptions, name: string, abbreviated: boolean): Promise<Record<string, unknown> | undefined> {
  const rows = (await r.listVersions(name)).filter((v) => v.status !== "blocked");
  if (rows.length === 0) return undefined;
  const versions: Record<string, unknown> = {};
  const time: Record<string, string> = {};
  for (const v of rows) {
    versions[v.version] = manifestOf(ctx, npm, v, abbreviated);
    const [leaf] = await r.getLeaves(v.logIndex, v.logIndex + 1);
    if (leaf !== undefined) time[v.version] = (JSON.parse(leaf.entry) as LogEntry).integratedAt;
  }
  const latest = selectVersion(rows.filter((v) => v.status === "active" || v.status === "unsigned").map((v) => v.version), ">=0.0.0");
  const distTags = latest === undefined ? {} : { latest };
  const times = Object.values(time).sort();
  const modified = times.at(-1) ?? "";
  if (abbreviated) return { name, modified, "dist-tags": distTags, versions };
  return { _id: name, name, "dist-tags": distTags, versions, time: { created: times[0] ?? "", modified, ...time } };
}
