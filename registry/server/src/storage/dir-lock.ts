/**
 * One server process per data directory (REGISTRY.md §6.4): an exclusive lock file holding
 * the owner's pid, created with `wx`. A lock whose process is gone is taken over.
 */
import { readFile, unlink, writeFile } from "node:fs/promises";
import { RegistryError } from "@agentgov/registry-protocol";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === "EPERM";
  }
}

/** Takes the lock at `path`; resolves with its release function. */
export async function lockDirectory(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      return async () => { await unlink(path).catch(() => undefined); };
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") throw error;
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && alive(pid)) break;
      await unlink(path).catch(() => undefined);
    }
  }
  throw new RegistryError("REGISTRY_STORE_CORRUPT", `${path}: another registry process uses this data directory`);
}
