/**
 * Publish (REGISTRY.md §6.2). Checks, in order, before anything is written: body shape and
 * tarball size → the envelope (key bound to the name's owner, not revoked, threshold met,
 * manifest name/version equal the URL) → `artifact` equals the server-computed digest and
 * size → the in-memory archive scan → dependencies exist on this registry. Then one write
 * transaction re-checks keys and version novelty (`semver.eq`, tombstones included), writes
 * the blob (create-if-absent), the row and the log leaf, and bumps the index. The checkpoint
 * is signed after the commit; the receipt carries an inclusion proof against it.
 */
import { createHash } from "node:crypto";
import {
  RegistryError, assertVersionIsNew, canonicalJson, checkArtifact, confusableKey, decodeUtf8, formatRfc3339Seconds, fromBase64,
  packageNameProblem, scopeOf, sha256, sha512, toHex, utf8, validateEnvelope, verifyManifestEnvelope, versionProblem,
  type Envelope, type KeyId, type LogEntry, type Manifest,
} from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import type { MetaReader } from "../storage/meta-store.js";
import { badRequest, HttpError } from "../http/http-error.js";
import { exactKeys } from "../http/body.js";
import { publisherKeys, refuseRevokedSigners } from "../keys/publisher-keys.js";
import { appendEntry } from "../log/merkle-log.js";
import { commitCheckpoint } from "../log/checkpoints.js";
import { refreshIndex } from "../index-signing/package-index.js";
import { requirePublish, type AuthToken } from "../tokens/tokens.js";
import { receiptFor, type Receipt } from "./receipt.js";
import { scanTarball } from "./scan-tarball.js";

/** Validates a package name and version taken from the URL (400 when malformed). */
export function checkCoordinates(name: string, version: string): void {
  if (packageNameProblem(name) !== undefined) throw badRequest(`invalid package name ${name}`);
  if (versionProblem(version) !== undefined) throw badRequest(`invalid version ${version}`);
}

/** The publisher that owns (or would own) `name`: its row's, its scope, or the token's. */
export async function ownerOf(r: MetaReader, name: string, token: AuthToken): Promise<string> {
  const pkg = await r.getPackage(name);
  if (pkg !== undefined) return pkg.publisher;
  const scope = scopeOf(name);
  if (scope !== undefined) return scope;
  if (token.publisher === undefined) throw new HttpError(403, "REGISTRY_AUTH", "this token has no publisher");
  return token.publisher;
}

interface Signed { manifest: Manifest; keyids: KeyId[]; payload: Uint8Array }

async function verifySigned(r: MetaReader, envelope: Envelope, owner: string, name: string, version: string, ctx: RegistryContext): Promise<Signed> {
  const keys = await publisherKeys(r, owner);
  refuseRevokedSigners(envelope, keys);
  const result = verifyManifestEnvelope(envelope, {
    trustedKeys: keys.active.map((k) => k.publicKey), threshold: keys.publisher.threshold, expect: { name, version }, limits: ctx.limits,
  });
  if (!result.ok) throw result.error;
  if (result.statement.publisher !== owner) {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", `manifest publisher ${result.statement.publisher} does not own ${name}`, { path: "publisher" });
  }
  return { manifest: result.statement, keyids: [...result.keyids].sort(), payload: result.payload };
}

async function checkDependencies(r: MetaReader, manifest: Manifest): Promise<void> {
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    if (await r.getPackage(dep) === undefined) throw new RegistryError("REGISTRY_DEPENDENCY", `dependency ${dep} is not on this registry`);
  }
}

async function checkName(r: MetaReader, name: string): Promise<void> {
  const clash = await r.getPackageByFolded(confusableKey(name));
  if (clash !== undefined && clash.name !== name) {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", `${name} is confusable with ${clash.name}`, { path: "name" });
  }
}

/** Decodes a base64 tarball under the size limit (413 above it, 400 when not canonical base64). */
export function decodeTarball(text: unknown, ctx: RegistryContext): Uint8Array {
  if (typeof text !== "string" || text.length > Math.ceil(ctx.limits.tarballBytes / 3) * 4) {
    throw new HttpError(413, "REGISTRY_ARCHIVE_LIMIT", `tarball larger than ${ctx.limits.tarballBytes} bytes`);
  }
  const tarball = fromBase64(text);
  if (tarball === undefined) throw badRequest("tarball is not canonical base64");
  if (tarball.byteLength > ctx.limits.tarballBytes) throw new HttpError(413, "REGISTRY_ARCHIVE_LIMIT", `tarball larger than ${ctx.limits.tarballBytes} bytes`);
  return tarball;
}

/** A fully checked publish, ready to commit. */
export interface CheckedPublish {
  name: string;
  version: string;
  owner: string;
  tarball: Uint8Array;
  packageJson: Uint8Array;
  /** Absent for an unsigned (npm) publish. */
  envelope?: Envelope;
}

/**
 * Commits a checked publish in one transaction (see the module comment), then signs the
 * checkpoint; resolves with the receipt. A signed publish is re-verified against the keys
 * as they are inside the transaction.
 */
export async function commitPublish(ctx: RegistryContext, checked: CheckedPublish): Promise<Receipt> {
  const { name, version, owner, tarball, envelope } = checked;
  const sha512Hex = toHex(sha512(tarball));
  const envelopeText = envelope === undefined ? undefined : canonicalJson(envelope);
  const packageJson = decodeUtf8(checked.packageJson);
  const index = await ctx.meta.transaction(async (tx) => {
    const again = envelope === undefined ? undefined : await verifySigned(tx, envelope, owner, name, version, ctx);
    const pkg = await tx.getPackage(name);
    if (pkg === undefined) {
      await checkName(tx, name);
    } else {
      if (pkg.publisher !== owner) throw new HttpError(403, "REGISTRY_AUTH", `${name} belongs to another publisher`);
      assertVersionIsNew(version, (await tx.listVersions(name)).map((v) => v.version));
    }
    if (again !== undefined) await checkDependencies(tx, again.manifest);
    const created = await ctx.blobs.putIfAbsent(sha512Hex, tarball);
    try {
      if (pkg === undefined) await tx.insertPackage({ name, publisher: owner, indexVersion: 0 }, confusableKey(name));
      const keyids = again?.keyids ?? [];
      const manifestDigest = again === undefined ? undefined : toHex(sha256(again.payload));
      const entry: LogEntry = {
        _type: "agentgov/log-entry/v1", kind: again === undefined ? "publish-unsigned" : "publish", name, version, publisher: owner, keyids,
        sha512: sha512Hex, integratedAt: formatRfc3339Seconds(ctx.clock.now()),
      };
      if (envelopeText !== undefined) entry.envelopeSha256 = toHex(sha256(utf8(envelopeText)));
      if (manifestDigest !== undefined) entry.manifestSha256 = manifestDigest;
      const { index: logIndex } = await appendEntry(tx, entry);
      await tx.insertVersion({
        name, version, sha512: sha512Hex, size: tarball.byteLength, keyids, logIndex, status: again === undefined ? "unsigned" : "active",
        purged: false, shasum: createHash("sha1").update(tarball).digest("hex"),
        ...(manifestDigest === undefined ? {} : { manifestSha256: manifestDigest }),
        ...(envelopeText === undefined ? {} : { envelope: envelopeText }),
        ...(packageJson === undefined ? {} : { packageJson }),
      });
      await refreshIndex(tx, ctx, name);
      return logIndex;
    } catch (error) {
      // Nothing references a blob this call created: remove it with the rolled-back rows.
      if (created) await ctx.blobs.purge(sha512Hex).catch(() => undefined);
      throw error;
    }
  });
  const checkpoint = await commitCheckpoint(ctx);
  return ctx.meta.read((r) => receiptFor(r, index, checkpoint));
}

/** Checks a signed publish of `name@version` (envelope, digest, archive, dependencies); writes nothing. */
export async function checkSignedPublish(
  ctx: RegistryContext, token: AuthToken, name: string, version: string, envelopeValue: unknown, tarball: Uint8Array,
): Promise<CheckedPublish> {
  checkCoordinates(name, version);
  const owner = await ctx.meta.read((r) => ownerOf(r, name, token));
  requirePublish(token, name, owner);
  const envelope = validateEnvelope(envelopeValue, { maxBytes: ctx.limits.envelopeBytes });
  const signed = await ctx.meta.read(async (r) => {
    const verified = await verifySigned(r, envelope, owner, name, version, ctx);
    await checkName(r, name);
    await checkDependencies(r, verified.manifest);
    return verified;
  });
  checkArtifact(signed.manifest.artifact, { size: tarball.byteLength, sha512: sha512(tarball) });
  const packageJson = await scanTarball(tarball, signed.manifest, ctx.limits);
  return { name, version, owner, tarball, packageJson, envelope };
}

/** Runs a native publish of `name@version` with a parsed body; resolves with the receipt. */
export async function publish(ctx: RegistryContext, token: AuthToken, name: string, version: string, body: Record<string, unknown>): Promise<Receipt> {
  checkCoordinates(name, version);
  exactKeys(body, ["envelope", "tarball"]);
  const owner = await ctx.meta.read((r) => ownerOf(r, name, token));
  requirePublish(token, name, owner);
  const tarball = decodeTarball(body.tarball, ctx);
  return commitPublish(ctx, await checkSignedPublish(ctx, token, name, version, body.envelope, tarball));
}
