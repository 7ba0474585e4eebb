/**
 * `--frozen-lockfile` (REGISTRY.md §8, §7.4): an install must reproduce the lockfile exactly.
 * Resolution is pinned to the locked versions; after staging, each plugin's new record must
 * equal its locked record field for field, and the lockfile's registry must be this one.
 * A plugin the lockfile does not name, another registry or another version is
 * `REGISTRY_VERSION_UNAVAILABLE`; the same version with other bytes, manifest, keys, grant or
 * log index is `REGISTRY_DIGEST_MISMATCH`. The lockfile itself is then left untouched.
 */
import { RegistryError } from "@agentgov/registry-protocol";
import { LOCKFILE, type LockedPlugin, type Lockfile } from "./lockfile.js";

/** The locked record of `name`, or `REGISTRY_VERSION_UNAVAILABLE`. */
export function frozenRecord(lock: Lockfile, name: string): LockedPlugin {
  const locked = lock.plugins[name];
  if (locked === undefined) throw new RegistryError("REGISTRY_VERSION_UNAVAILABLE", `--frozen-lockfile: ${name} is not in ${LOCKFILE}`);
  return locked;
}

/** Throws unless `lock` names no registry or `registry`. */
export function assertFrozenRegistry(lock: Lockfile, registry: string): void {
  if (lock.registry !== undefined && lock.registry !== registry) {
    throw new RegistryError("REGISTRY_VERSION_UNAVAILABLE", `--frozen-lockfile: ${LOCKFILE} is for ${lock.registry}, not ${registry}`);
  }
}

function normalised(record: LockedPlugin): string {
  const entries = Object.entries(record).map(([k, v]): [string, unknown] => [k, k === "keyids" && Array.isArray(v) ? [...(v as string[])].sort() : v]);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Throws unless the freshly staged `record` of `name` equals its locked record exactly. */
export function assertFrozenRecord(lock: Lockfile, name: string, record: LockedPlugin): void {
  const locked = frozenRecord(lock, name);
  if (locked.version !== record.version) {
    throw new RegistryError("REGISTRY_VERSION_UNAVAILABLE", `--frozen-lockfile: ${name} resolves to ${record.version}, locked ${locked.version}`);
  }
  if (normalised(locked) !== normalised(record)) {
    throw new RegistryError("REGISTRY_DIGEST_MISMATCH", `--frozen-lockfile: ${name}@${record.version} differs from its ${LOCKFILE} record`);
  }
}
