/**
 * The project lockfile `agentgov-lock.json` (REGISTRY.md §7.4): one record per plugin, read
 * strictly and bounded, written last and atomically (temp + fsync + rename).
 */
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { RegistryError, parseJsonBounded, type KeyId } from "@agentgov/registry-protocol";
import { readBounded } from "./store-ops.js";

/** The lockfile's name, in the project root. */
export const LOCKFILE = "agentgov-lock.json";

/** One plugin's lockfile record. */
export interface LockedPlugin {
  /** Installed version. */
  version: string;
  /** Tarball SHA-512 (hex): signed, or for an unsigned install the registry's index value. */
  sha512: string;
  /** SHA-256 of the canonical manifest (hex); absent for an unsigned install. */
  manifestSha256?: string;
  /** Key ids whose signatures verified; empty for an unsigned install. */
  keyids: KeyId[];
  /** SHA-256 of JCS(capabilities): what the operator consented to (the empty set's for an unsigned install). */
  capabilitiesSha256: string;
  /** Set for a version installed without a publisher signature (npm-published, `--allow-unsigned`). */
  unsigned?: true;
  /** Unsigned installs: SHA-256 of the installed `.agentgov/unsigned-tree.json` (the file list the tree is re-hashed against). */
  treeSha256?: string;
  /** Registry installs: the log index of the version's publish entry. */
  logIndex?: number;
}

/** The project's `agentgov-lock.json`. */
export interface Lockfile {
  lockfileVersion: 1;
  /** Registry installs: the registry URL the plugins came from (§7.4). */
  registry?: string;
  plugins: Record<string, LockedPlugin>;
}

/** Reads the project's lockfile (absent = empty); anything but version 1 is `REGISTRY_STORE_CORRUPT`. */
export async function readLockfile(projectDir: string): Promise<Lockfile> {
  let bytes: Buffer;
  try {
    bytes = await readBounded(join(projectDir, LOCKFILE), 4 * 1024 * 1024);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lockfileVersion: 1, plugins: {} };
    throw error;
  }
  const value = parseJsonBounded(bytes, { maxBytes: 4 * 1024 * 1024 }) as Partial<Lockfile> | null;
  if (value?.lockfileVersion !== 1 || typeof value.plugins !== "object") {
    throw new RegistryError("REGISTRY_STORE_CORRUPT", `${LOCKFILE} is not a version 1 lockfile`);
  }
  if (value.registry !== undefined && typeof value.registry !== "string") throw new RegistryError("REGISTRY_STORE_CORRUPT", `${LOCKFILE}: registry is not a string`);
  return { lockfileVersion: 1, ...(value.registry === undefined ? {} : { registry: value.registry }), plugins: value.plugins };
}

/** Writes `file` atomically: temp, fsync, rename. */
export async function writeAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.tmp-${String(process.pid)}`;
  const handle = await open(tmp, "w", 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}
