import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cappedGunzip } from "./capped-gunzip.js";

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), "capped-gunzip-")); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

async function file(bytes: Buffer): Promise<string> {
  const path = join(dir, "x.gz");
  await writeFile(path, bytes);
  return path;
}

describe("cappedGunzip", () => {
  it("streams one member and returns the decompressed size", async () => {
    const chunks: Buffer[] = [];
    const total = await cappedGunzip(await file(gzipSync(Buffer.from("hello world"))), { cap: () => 100, onData: (c) => chunks.push(c) });
    expect(total).toBe(11);
    expect(Buffer.concat(chunks).toString()).toBe("hello world");
  });
  it("stops at the cap with REGISTRY_ARCHIVE_LIMIT", async () => {
    const path = await file(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
    let seen = 0;
    await expect(cappedGunzip(path, { cap: () => 1024 * 1024, onData: (c) => { seen += c.length; } }))
      .rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_LIMIT" });
    expect(seen).toBeLessThan(2 * 1024 * 1024);
  });
  it.each([
    ["a second member", () => Buffer.concat([gzipSync(Buffer.from("a")), gzipSync(Buffer.from("b"))])],
    ["trailing garbage", () => Buffer.concat([gzipSync(Buffer.from("a")), Buffer.from("junk")])],
    ["not gzip", () => Buffer.from("plain text, not gzip")],
    ["a truncated member", () => gzipSync(Buffer.from("hello world")).subarray(0, 12)],
  ])("rejects %s with REGISTRY_ARCHIVE_UNSAFE", async (_n, make) => {
    await expect(cappedGunzip(await file(make()), { cap: () => 1e6, onData: () => undefined }))
      .rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_UNSAFE" });
  });
  it("passes consumer errors through and stops", async () => {
    const error = new Error("stop");
    await expect(cappedGunzip(await file(gzipSync(Buffer.alloc(10))), { cap: () => 1e6, onData: () => { throw error; } }))
      .rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_UNSAFE", cause: error });
  });
});
