/**
 * The signed package index (REGISTRY.md §4.9): one package's versions, dist-tags, key
 * history and the checkpoint it was built against, signed by the registry's `index` role and
 * re-signed at least daily. Malformed indexes are `REGISTRY_REQUEST_INVALID`; the client's
 * rollback and freshness rules are {@link checkIndexUpdate}.
 */
import { RegistryError } from "./errors.js";
import { at, Shape } from "./internal/shape.js";
import { fromBase64, bytesEqual } from "./encoding.js";
import { isKeyId, type KeyId } from "./ed25519.js";
import { packageNameProblem } from "./package-name.js";
import { versionProblem } from "./semver-rules.js";
import { isRfc3339Seconds, parseRfc3339Seconds } from "./time.js";
import { TREE_HASH_BYTES } from "./merkle.js";

/** Version states. */
export const VERSION_STATUSES = ["active", "yanked", "blocked", "unsigned"] as const;

/** One version state. */
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** One version in the index. */
export interface IndexVersion {
  /** Absent only for `unsigned` versions. */
  manifestSha256?: string;
  sha512: string;
  size: number;
  /** Signing key ids; empty only for `unsigned` versions. */
  keyids: KeyId[];
  /** Log index of the publish entry. */
  logIndex: number;
  status: VersionStatus;
}

/** One key's history for this package's publisher, as log indices. */
export interface IndexKey {
  keyid: KeyId;
  boundAt: number;
  revokedAt?: number;
  compromisedSince?: number;
}

/** The package index statement. */
export interface PackageIndex {
  _type: "agentgov/index/v1";
  /** The log origin, when the registry states it. */
  registry?: string;
  name: string;
  indexVersion: number;
  issuedAt: string;
  expires: string;
  checkpoint: { size: number; root: string };
  distTags: Record<string, string>;
  keys: IndexKey[];
  versions: Record<string, IndexVersion>;
}

/** Longest index validity after `issuedAt`, seconds (7 days). */
export const MAX_INDEX_VALIDITY_SECONDS = 7 * 24 * 3600;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const TAG = /^[a-z][a-z0-9._-]{0,63}$/;
const MAX_VERSIONS = 10_000;

function time(shape: Shape, value: unknown, path: string): string {
  const text = shape.string(value, path, { max: 20 });
  if (!isRfc3339Seconds(text)) shape.fail(path, "must be RFC 3339 UTC seconds");
  return text;
}

function keyids(shape: Shape, value: unknown, path: string): KeyId[] {
  return shape.uniqueStrings(value, path, 64, { max: 72 }).map((k, i) => {
    if (!isKeyId(k)) shape.fail(at(path, i), "not an ed25519 key id");
    return k;
  });
}

/** Validates a package index strictly (shape, digests, 7-day validity, version keys canonical). */
export function validatePackageIndex(value: unknown): PackageIndex {
  const shape: Shape = new Shape("REGISTRY_REQUEST_INVALID");
  const s = shape.object(value, "", ["_type", "name", "indexVersion", "issuedAt", "expires", "checkpoint", "distTags", "keys", "versions"], ["registry"]);
  if (s._type !== "agentgov/index/v1") shape.fail("_type", "must be agentgov/index/v1");
  const name = shape.string(s.name, "name", { max: 214 });
  const nameProblem = packageNameProblem(name);
  if (nameProblem !== undefined) shape.fail("name", nameProblem);
  const indexVersion = shape.integer(s.indexVersion, "indexVersion", 1);
  const issuedAt = time(shape, s.issuedAt, "issuedAt");
  const expires = time(shape, s.expires, "expires");
  const validity = (parseRfc3339Seconds(expires) ?? 0) - (parseRfc3339Seconds(issuedAt) ?? 0);
  if (validity <= 0 || validity > MAX_INDEX_VALIDITY_SECONDS) shape.fail("expires", "must be after issuedAt and at most 7 days later");
  const cp = shape.object(s.checkpoint, "checkpoint", ["size", "root"]);
  const size = shape.integer(cp.size, "checkpoint.size", 0);
  const root = shape.string(cp.root, "checkpoint.root", { max: 44 });
  if (fromBase64(root)?.byteLength !== TREE_HASH_BYTES) shape.fail("checkpoint.root", "must be base64 of 32 bytes");
  const tags = shape.map(s.distTags, "distTags", 64);
  const distTags: Record<string, string> = {};
  for (const [tag, version] of Object.entries(tags)) {
    if (!TAG.test(tag)) shape.fail(at("distTags", tag), "not a dist-tag name");
    const text = shape.string(version, at("distTags", tag), { max: 256 });
    if (versionProblem(text) !== undefined) shape.fail(at("distTags", tag), "not a canonical version");
    distTags[tag] = text;
  }
  const keys = shape.array(s.keys, "keys", 256).map((item, i): IndexKey => {
    const where = at("keys", i);
    const k = shape.object(item, where, ["keyid", "boundAt"], ["revokedAt", "compromisedSince"]);
    const keyid = shape.string(k.keyid, at(where, "keyid"), { max: 72 });
    if (!isKeyId(keyid)) shape.fail(at(where, "keyid"), "not an ed25519 key id");
    const key: IndexKey = { keyid, boundAt: shape.integer(k.boundAt, at(where, "boundAt"), 0) };
    if (k.revokedAt !== undefined) key.revokedAt = shape.integer(k.revokedAt, at(where, "revokedAt"), key.boundAt);
    if (k.compromisedSince !== undefined) {
      if (key.revokedAt === undefined) shape.fail(at(where, "compromisedSince"), "only a revoked key has compromisedSince");
      key.compromisedSince = shape.integer(k.compromisedSince, at(where, "compromisedSince"), 0, key.revokedAt);
    }
    return key;
  });
  const entries = shape.map(s.versions, "versions", MAX_VERSIONS);
  const versions: Record<string, IndexVersion> = {};
  for (const [version, item] of Object.entries(entries)) {
    const where = at("versions", version);
    if (versionProblem(version) !== undefined) shape.fail(where, "not a canonical version");
    const v = shape.object(item, where, ["sha512", "size", "keyids", "logIndex", "status"], ["manifestSha256"]);
    const status = shape.string(v.status, at(where, "status"), { max: 16 });
    if (!(VERSION_STATUSES as readonly string[]).includes(status)) shape.fail(at(where, "status"), `must be one of ${VERSION_STATUSES.join(", ")}`);
    const entry: IndexVersion = {
      sha512: shape.string(v.sha512, at(where, "sha512"), { max: 128, pattern: HEX128 }),
      size: shape.integer(v.size, at(where, "size"), 1),
      keyids: keyids(shape, v.keyids, at(where, "keyids")),
      logIndex: shape.integer(v.logIndex, at(where, "logIndex"), 0),
      status: status as VersionStatus,
    };
    if (v.manifestSha256 !== undefined) entry.manifestSha256 = shape.string(v.manifestSha256, at(where, "manifestSha256"), { max: 64, pattern: HEX64 });
    if (status !== "unsigned" && (entry.manifestSha256 === undefined || entry.keyids.length === 0)) {
      shape.fail(where, "a signed version needs manifestSha256 and keyids");
    }
    if (status === "unsigned" && (entry.manifestSha256 !== undefined || entry.keyids.length > 0)) {
      shape.fail(where, "an unsigned version has no manifestSha256 or keyids");
    }
    versions[version] = entry;
  }
  const index: PackageIndex = {
    _type: "agentgov/index/v1", name, indexVersion, issuedAt, expires, checkpoint: { size, root }, distTags, keys, versions,
  };
  if (s.registry !== undefined) index.registry = shape.string(s.registry, "registry", { max: 255, pattern: /^[\x21-\x2a\x2c-\x7e]{1,255}$/ });
  return index;
}

/**
 * The version a dist-tag names, only if that version exists and is `active`: a tag on a
 * yanked, blocked, unsigned or missing version is never followed (§11.17).
 */
export function resolveDistTag(index: PackageIndex, tag: string): string | undefined {
  const version = Object.hasOwn(index.distTags, tag) ? index.distTags[tag] : undefined;
  if (version === undefined || !Object.hasOwn(index.versions, version)) return undefined;
  return index.versions[version]?.status === "active" ? version : undefined;
}

/** What a client stores about the last verified index of one package. */
export interface IndexState {
  indexVersion: number;
  /** Digest of the verified index envelope payload (any fixed hash, compared in constant time). */
  digest: Uint8Array;
  /** Every version ever seen. */
  versions: readonly string[];
}

/**
 * Client rules of §4.9 for a newly verified index: lower `indexVersion` →
 * `REGISTRY_ROLLBACK`; same `indexVersion` with other bytes → `REGISTRY_LOG_FORK`; a version
 * seen before now missing → `REGISTRY_ROLLBACK`; expired (`now` in Unix seconds) →
 * `REGISTRY_STALE`. Consistency with the verified checkpoint is checked separately.
 */
export function checkIndexUpdate(next: PackageIndex, nextDigest: Uint8Array, now: number, previous?: IndexState): void {
  const expires = parseRfc3339Seconds(next.expires);
  if (expires === undefined || now >= expires) throw new RegistryError("REGISTRY_STALE", `index of ${next.name} expired at ${next.expires}`);
  if (previous === undefined) return;
  if (next.indexVersion < previous.indexVersion) {
    throw new RegistryError("REGISTRY_ROLLBACK", `indexVersion ${next.indexVersion} < stored ${previous.indexVersion}`);
  }
  if (next.indexVersion === previous.indexVersion && !bytesEqual(nextDigest, previous.digest)) {
    throw new RegistryError("REGISTRY_LOG_FORK", `two different indexes with indexVersion ${next.indexVersion}`);
  }
  const missing = previous.versions.find((v) => !Object.hasOwn(next.versions, v));
  if (missing !== undefined) throw new RegistryError("REGISTRY_ROLLBACK", `version ${missing} disappeared from the index`);
}
