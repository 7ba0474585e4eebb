/**
 * Filesystem {@link BlobStore} (REGISTRY.md §6.4): `<root>/sha512/ab/cd/<hex>`, written to a
 * temp file in the same folder, fsynced, then `link()`ed to the final name (EEXIST means the
 * blob is present: never overwritten), the temp unlinked and the folder fsynced.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { RegistryError, bytesEqual, fromHex, sha512 as sha512Of } from "@agentgov/registry-protocol";
import type { BlobStore } from "./blob-store.js";

const HEX128 = /^[0-9a-f]{128}$/;

function code(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String((error).code) : undefined;
}

function checkKey(sha512: string): string {
  if (!HEX128.test(sha512)) throw new RegistryError("REGISTRY_REQUEST_INVALID", "blob key is not 128 lowercase hex characters");
  return sha512;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Content-addressed, create-only blobs in a folder. */
export class FsBlobStore implements BlobStore {
  /** `root` is the blob folder (e.g. `<data>/blobs`). */
  constructor(readonly root: string) {}

  /** Folder and final path of a blob. */
  pathOf(sha512: string): { dir: string; file: string } {
    const key = checkKey(sha512);
    const dir = join(this.root, "sha512", key.slice(0, 2), key.slice(2, 4));
    return { dir, file: join(dir, key) };
  }

  async has(sha512: string): Promise<boolean> {
    return (await this.get(sha512)) !== undefined;
  }

  async putIfAbsent(sha512: string, bytes: Uint8Array): Promise<boolean> {
    const { dir, file } = this.pathOf(sha512);
    if (!bytesEqual(sha512Of(bytes), fromHex(sha512) ?? new Uint8Array())) {
      throw new RegistryError("REGISTRY_DIGEST_MISMATCH", "blob bytes do not hash to their key");
    }
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const temp = join(dir, `.tmp-${randomBytes(12).toString("hex")}`);
    const handle = await open(temp, "wx", 0o644);
    let created = false;
    try {
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await link(temp, file);
        created = true;
      } catch (error) {
        if (code(error) !== "EEXIST") throw error;
      }
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    await fsyncPath(dir);
    return created;
  }

  async get(sha512: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.pathOf(sha512).file));
    } catch (error) {
      if (code(error) === "ENOENT") return undefined;
      throw error;
    }
  }

  async purge(sha512: string): Promise<void> {
    const { dir, file } = this.pathOf(sha512);
    try {
      await unlink(file);
    } catch (error) {
      if (code(error) === "ENOENT") return;
      throw error;
    }
    await fsyncPath(dir);
  }
}
