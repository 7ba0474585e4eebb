/**
 * The verified-tarball cache `$AGENTGOV_HOME/cache/sha512/<hex>` (REGISTRY.md §7.2 steps 5 and
 * 9, §7.4). Entries are create-only (hard link, else an exclusive copy) and never trusted: a
 * cached file is copied into staging with the same capped SHA-512 and size check as a
 * download, and a file that fails it is discarded so that the caller downloads again.
 */
import { constants } from "node:fs";
import { copyFile, link, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fromHex } from "@agentgov/registry-protocol";
import { timingSafeEqual } from "node:crypto";
import { copyAndHash } from "./store-ops.js";

const SHA512_HEX = /^[0-9a-f]{128}$/;

/** The cache folder of a home. */
export function blobCacheDir(home: string): string {
  return join(home, "cache", "sha512");
}

/** The cache path of a blob, or undefined for anything but a lowercase hex SHA-512. */
function cachePath(home: string, sha512: string): string | undefined {
  return SHA512_HEX.test(sha512) ? join(blobCacheDir(home), sha512) : undefined;
}

/**
 * Copies the cached blob `sha512` of exactly `size` bytes to `dest` (create-only) and re-verifies
 * it; true when it was there and intact. A cached file of the wrong size or digest is removed
 * (and so is `dest`): false, download instead.
 */
export async function copyFromCache(home: string, sha512: string, size: number, dest: string): Promise<boolean> {
  const cached = cachePath(home, sha512);
  const want = fromHex(sha512);
  if (cached === undefined || want === undefined) return false;
  let got: { size: number; sha512: Uint8Array };
  try {
    got = await copyAndHash(cached, dest, size);
  } catch (error) {
    await rm(dest, { force: true });
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  if (got.size === size && got.sha512.byteLength === want.byteLength && timingSafeEqual(got.sha512, want)) return true;
  await rm(dest, { force: true });
  await rm(cached, { force: true });
  return false;
}

/**
 * Adds the verified `blob` to the cache under `sha512`, create-only: an existing entry is kept
 * (it is re-verified on use). Best effort: a cache that cannot be written does not fail the install.
 */
export async function addToCache(home: string, sha512: string, blob: string): Promise<void> {
  const cached = cachePath(home, sha512);
  if (cached === undefined) return;
  try {
    await mkdir(blobCacheDir(home), { recursive: true, mode: 0o700 });
    await link(blob, cached).catch(async (error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return;
      await copyFile(blob, cached, constants.COPYFILE_EXCL);
    });
  } catch {
    // The cache is an optimisation; every use re-verifies it.
  }
}
