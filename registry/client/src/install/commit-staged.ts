/**
 * Commit of one install's staged plugins (REGISTRY.md §7.2 step 9): every plugin of a
 * dependency set is first verified and extracted into the one staging folder; only then are
 * the trees renamed into `plugins/<name>@<version>/`, the caller's commit hook run (registry
 * state, TOFU pins) and the lockfile written last, once. A conflict is detected before any
 * rename; a failure after a rename removes the folders this commit created, so a rejected
 * install leaves the store and the lockfile as they were.
 */
import { chmod, lstat, rm } from "node:fs/promises";
import { join } from "node:path";
import { RegistryError, type PluginGrant } from "@agentgov/registry-protocol";
import { LOCKFILE, writeAtomic, type LockedPlugin, type Lockfile } from "./lockfile.js";
import { commitTree, makeRemovable } from "./store-ops.js";

/** A plugin verified and extracted into staging, waiting for the commit. */
export interface StagedPlugin {
  /** Package name. */
  name: string;
  /** Exact version. */
  version: string;
  /** The finished staged tree (with its `.agentgov/` records). */
  tree: string;
  /** Its immutable destination `plugins/<name>@<version>/`. */
  dir: string;
  /** Whether an existing `dir` holds this very install (true drops the copy; false is `REGISTRY_STORE_CORRUPT`). */
  sameInstall: (existing: string) => Promise<boolean>;
  /** The plugin's grant. */
  grant: PluginGrant;
  /** Its lockfile record. */
  record: LockedPlugin;
}

/** The outcome of {@link commitStaged}, per plugin in order. */
export interface CommittedPlugin {
  staged: StagedPlugin;
  /** False when the same version was already installed. */
  created: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

async function removeCreated(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  await makeRemovable(dir).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

/**
 * Commits `staged` (see the module comment): conflicts first, then renames, then `onCommit`,
 * then `lock` updated with every record and written atomically into `projectDir` (skipped
 * with `keepLockfile`: a frozen install that already equals it). Call under the install lock.
 */
export async function commitStaged(
  staged: readonly StagedPlugin[], lock: Lockfile, projectDir: string, onCommit?: () => Promise<void>, options: { keepLockfile?: boolean } = {},
): Promise<CommittedPlugin[]> {
  const present = new Set<string>();
  for (const item of staged) {
    if (!await exists(item.dir)) continue;
    if (!await item.sameInstall(item.dir)) throw new RegistryError("REGISTRY_STORE_CORRUPT", `${item.dir} holds a different install`);
    present.add(item.dir);
  }
  const created: string[] = [];
  try {
    const out: CommittedPlugin[] = [];
    for (const item of staged) {
      if (present.has(item.dir)) {
        out.push({ staged: item, created: false });
        continue;
      }
      const result = await commitTree(item.tree, item.dir, item.sameInstall);
      if (result.created) created.push(item.dir);
      out.push({ staged: item, created: result.created });
    }
    if (onCommit !== undefined) await onCommit();
    if (options.keepLockfile !== true) {
      for (const item of staged) lock.plugins[item.name] = item.record;
      await writeAtomic(join(projectDir, LOCKFILE), JSON.stringify(lock, null, 2) + "\n");
    }
    return out;
  } catch (error) {
    for (const dir of created.reverse()) await removeCreated(dir).catch(() => undefined);
    throw error;
  }
}
