/**
 * Local store operations shared by the signed and unsigned install pipelines (REGISTRY.md
 * §7.2 steps 1, 5, 9; §7.4): the install lock, bounded reads, hashing copies into staging, the
 * scanned modes and the immutable (read-only) tree.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { constants } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { RegistryError } from "@agentgov/registry-protocol";
import type { ScannedTree } from "./extract.js";
import { isStoreFailure, storeFailure } from "../util/store-errors.js";

const READ_CHUNK = 1024 * 1024;
const STALE_EMPTY_LOCK_MS = 10_000;

/** Constant-time equality of two hex strings. */
export function hexEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}


/** Reads at most `max + 1` bytes of `file` (bounded memory; callers reject the overflow with their own code). */
export async function readBounded(file: string, max: number): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY);
  try {
    const buf = Buffer.alloc(max + 1);
    let fill = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, fill, buf.length - fill, null);
      if (bytesRead === 0 || (fill += bytesRead) === buf.length) break;
    }
    return buf.subarray(0, fill);
  } finally {
    await handle.close();
  }
}

/** Takes `plugins/.lock` (a dead holder's lock is broken); resolves with its release. */
export async function acquireLock(plugins: string, timeoutMs: number): Promise<() => Promise<void>> {
  const lock = join(plugins, ".lock");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lock, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number((await readFile(lock, "utf8").catch(() => "")).trim());
      let alive = true;
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid) {
        try { process.kill(pid, 0); } catch (e) { alive = (e as NodeJS.ErrnoException).code !== "ESRCH"; }
      } else if (!(pid > 0)) {
        // A holder killed between creating and writing the lock leaves it empty.
        const st = await lstat(lock).catch(() => undefined);
        alive = st !== undefined && Date.now() - st.mtimeMs < STALE_EMPTY_LOCK_MS;
      }
      if (!alive) { await rm(lock, { force: true }); continue; }
      if (Date.now() > deadline) throw new RegistryError("REGISTRY_STORE_CORRUPT", "timed out waiting for the install lock");
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Copies `src` into `dest` with 1 MiB reads, hashing SHA-512, aborting after `max + 1` bytes. */
export async function copyAndHash(src: string, dest: string, max: number): Promise<{ size: number; sha512: Uint8Array }> {
  const hash = createHash("sha512");
  const input = await open(src, constants.O_RDONLY);
  const output = await open(dest, "wx", 0o600);
  try {
    const buf = Buffer.alloc(READ_CHUNK);
    let size = 0;
    for (;;) {
      const want = Math.min(READ_CHUNK, max + 1 - size);
      if (want <= 0) break;
      const { bytesRead } = await input.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      hash.update(buf.subarray(0, bytesRead));
      await output.write(buf, 0, bytesRead);
    }
    await output.sync();
    return { size, sha512: hash.digest() };
  } finally {
    await input.close();
    await output.close();
  }
}


/**
 * Sets the scanned modes (files 0644/0755, folders 0755) on the extracted tree. A file the
 * scan did not admit, or anything but a file or folder, is `REGISTRY_TREE_MISMATCH`; folders
 * may be implicit parents of admitted files.
 */
export async function applyScannedModes(root: string, scanned: ScannedTree, rel = ""): Promise<void> {
  for (const name of await readdir(join(root, rel))) {
    const path = rel === "" ? name : `${rel}/${name}`;
    const st = await lstat(join(root, path));
    if (st.isDirectory()) {
      await applyScannedModes(root, scanned, path);
      await chmod(join(root, path), 0o755);
      continue;
    }
    const mode = scanned.entries.get(path);
    if (!st.isFile() || mode === undefined) throw new RegistryError("REGISTRY_TREE_MISMATCH", "extracted entry was not admitted by the scan", { path });
    await chmod(join(root, path), mode);
  }
}

/** Makes a tree immutable (§7.4): folders 0555, files 0444, executables 0555. */
export async function makeReadOnly(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const abs = join(dir, name);
    const st = await lstat(abs);
    if (st.isDirectory()) {
      await makeReadOnly(abs);
      await chmod(abs, 0o555);
    } else {
      await chmod(abs, (st.mode & 0o111) !== 0 ? 0o555 : 0o444);
    }
  }
}

/** Makes every folder under `dir` writable again so it can be removed (non-root runs). */
export async function makeRemovable(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const abs = join(dir, name);
    if ((await lstat(abs)).isDirectory()) {
      await chmod(abs, 0o700);
      await makeRemovable(abs);
    }
  }
}

/**
 * Runs `run` with a fresh staging folder under `plugins/` (§7.2 step 1): creates `plugins/`
 * (0700), takes the install lock, removes stale `.staging-*` folders, creates this install's
 * staging folder (0700). Staging is always removed and the lock released; a local filesystem
 * failure becomes `REGISTRY_STORE_CORRUPT`.
 */
export async function inStaging<T>(plugins: string, lockTimeoutMs: number, run: (staging: string) => Promise<T>): Promise<T> {
  await mkdir(plugins, { recursive: true, mode: 0o700 });
  const release = await acquireLock(plugins, lockTimeoutMs);
  let staging: string | undefined;
  try {
    for (const name of await readdir(plugins)) {
      if (name.startsWith(".staging-")) await rm(join(plugins, name), { recursive: true, force: true });
    }
    staging = await mkdtemp(join(plugins, ".staging-"));
    await chmod(staging, 0o700);
    return await run(staging);
  } catch (error) {
    throw isStoreFailure(error) ? storeFailure(error, "install into the local store") : error;
  } finally {
    if (staging !== undefined) {
      await makeRemovable(staging).catch(() => undefined);
      await rm(staging, { recursive: true, force: true });
    }
    await release();
  }
}

/**
 * Moves the finished staged `tree` to its immutable folder `dir` (§7.2 step 9): makes it
 * read-only and renames it. When `dir` already exists, `sameInstall(dir)` decides: true drops
 * the copy (`created: false`), false is `REGISTRY_STORE_CORRUPT`.
 */
export async function commitTree(tree: string, dir: string, sameInstall: (existing: string) => Promise<boolean>): Promise<{ created: boolean }> {
  await makeReadOnly(tree);
  try {
    await rename(tree, dir);
    await chmod(dir, 0o555);
    return { created: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    if (!await sameInstall(dir)) throw new RegistryError("REGISTRY_STORE_CORRUPT", `${dir} holds a different install`);
    return { created: false };
  }
}

/** SHA-256 (hex) of a small file's bytes, or of nothing when it cannot be read. */
export async function fileSha256(file: string, max: number): Promise<string> {
  const bytes = await readBounded(file, max).catch(() => Buffer.alloc(0));
  return createHash("sha256").update(bytes).digest("hex");
}
