import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha512, toHex, utf8 } from "@agentgov/registry-protocol";
import { FsBlobStore } from "./fs-blob-store.js";
import { blobStoreConformance } from "../testing/store-conformance.js";

async function store(): Promise<FsBlobStore> {
  return new FsBlobStore(join(await mkdtemp(join(tmpdir(), "agentgov-blobs-")), "blobs"));
}

async function allFiles(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
}

blobStoreConformance("FsBlobStore", store);

describe("FsBlobStore", () => {
  const bytes = utf8("hello tarball");
  const key = toHex(sha512(bytes));

  it("stores content-addressed under sha512/ab/cd/<hex> and reads it back", async () => {
    const blobs = await store();
    expect(await blobs.has(key)).toBe(false);
    expect(await blobs.putIfAbsent(key, bytes)).toBe(true);
    expect(blobs.pathOf(key).file).toBe(join(blobs.root, "sha512", key.slice(0, 2), key.slice(2, 4), key));
    expect(await blobs.get(key)).toEqual(bytes);
    expect(((await stat(blobs.pathOf(key).file)).mode & 0o777).toString(8)).toBe("644");
    expect(await allFiles(blobs.root)).toEqual([key]);
  });

  it("never replaces an existing blob, even one with other bytes", async () => {
    const blobs = await store();
    expect(await blobs.putIfAbsent(key, bytes)).toBe(true);
    await writeFile(blobs.pathOf(key).file, "planted");
    expect(await blobs.putIfAbsent(key, bytes)).toBe(false);
    expect(await readFile(blobs.pathOf(key).file, "utf8")).toBe("planted");
    expect(await allFiles(blobs.root)).toEqual([key]);
  });

  it("refuses bytes that do not hash to the key, writing nothing", async () => {
    const blobs = await store();
    await expect(blobs.putIfAbsent(key, utf8("other"))).rejects.toMatchObject({ code: "REGISTRY_DIGEST_MISMATCH" });
    await expect(readdir(blobs.root)).rejects.toMatchObject({ code: "ENOENT" });
  });


  it("settles 20 racing writes of one blob with exactly one creator and no temp files", async () => {
    const blobs = await store();
    const created = await Promise.all(Array.from({ length: 20 }, () => blobs.putIfAbsent(key, bytes)));
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(await allFiles(blobs.root)).toEqual([key]);
  });

});
