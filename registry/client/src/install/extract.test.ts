import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toBase64, toHex, validateManifest, type Manifest } from "@agentgov/registry-protocol";
import { extractArchive, scanArchive } from "./extract.js";

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), "extract-")); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const FILES: Record<string, { data: string; exec: boolean }> = {
  "package/index.js": { data: "export {};\n", exec: false },
  "package/lib/run.sh": { data: "#!/bin/sh\n", exec: true },
};

/** A real node-tar (portable) archive of FILES and a manifest signing it. */
async function realArchive(files = FILES): Promise<{ tgz: string; manifest: Manifest }> {
  const src = join(dir, "src");
  for (const [path, f] of Object.entries(files)) {
    await mkdir(join(src, path, ".."), { recursive: true });
    await writeFile(join(src, path), f.data, { mode: f.exec ? 0o755 : 0o644 });
  }
  const tgz = join(dir, "demo-1.0.0.tgz");
  await create({ gzip: true, portable: true, cwd: src, file: tgz, noMtime: true }, ["package"]);
  const bytes = await readFile(tgz);
  const sha512 = createHash("sha512").update(bytes).digest();
  const manifest = validateManifest({
    _type: "agentgov/manifest/v1", name: "demo", version: "1.0.0", publisher: "acme",
    artifact: { filename: "demo-1.0.0.tgz", size: bytes.length, sha512: toHex(sha512), integrity: `sha512-${toBase64(sha512)}` },
    files: Object.entries(FILES).sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, f]) => ({
      path, size: Buffer.byteLength(f.data), sha256: createHash("sha256").update(f.data).digest("hex"), exec: f.exec,
    })),
    entry: { kind: "tool", main: "package/index.js" },
    capabilities: { network: { hosts: [] }, fs: { read: [], write: [] }, exec: [], env: [], tools: [] },
    createdAt: "2026-11-21T05:00:00Z",
  });
  return { tgz, manifest };
}

describe("scanArchive and extractArchive", () => {
  it("scan admits a real node-tar archive and extract writes exactly its files", async () => {
    const { tgz, manifest } = await realArchive();
    const scanned = await scanArchive(tgz, manifest);
    expect(scanned.entries.get("package/lib/run.sh")).toBe(0o755);
    expect(scanned.entries.get("package/index.js")).toBe(0o644);
    const out = join(dir, "out");
    await mkdir(out);
    await extractArchive(tgz, out, scanned);
    expect(await readFile(join(out, "package/index.js"), "utf8")).toBe("export {};\n");
    expect((await lstat(join(out, "package/lib/run.sh"))).isFile()).toBe(true);
  });
  it("scan rejects a file that differs from the signed list", async () => {
    const { manifest } = await realArchive();
    const { tgz } = await realArchive({ ...FILES, "package/index.js": { data: "evil();\n", exec: false } });
    await expect(scanArchive(tgz, manifest)).rejects.toMatchObject({ code: "REGISTRY_TREE_MISMATCH" });
  });
  it("the extract filter refuses paths the scan did not admit, without throwing", async () => {
    const { tgz } = await realArchive();
    const out = join(dir, "out");
    await mkdir(out);
    await expect(extractArchive(tgz, out, { entries: new Map([["package", 0o755]]), decompressedBytes: 1e6, files: [] })).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_UNSAFE" });
    const written = await readdir(out, { recursive: true });
    expect(written.filter((p) => p.endsWith(".js") || p.endsWith(".sh"))).toEqual([]);
  });
});
