/**
 * The in-memory publish scan fails closed on every archive trick of §11 classes 11–15 that
 * reaches it past the signature: each case is signed correctly (the manifest lists exactly
 * the files), so only the archive rules can refuse it.
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_LIMITS, sha256, sha512, toBase64, toHex, type Manifest, type ManifestFile,
} from "@agentgov/registry-protocol";
import { paxRecord, rawTarGz, type RawEntry } from "../testing/raw-tar.js";
import { scanTarball } from "./scan-tarball.js";

const PKG = JSON.stringify({ name: "@acme/t", version: "1.0.0" });
const INDEX = "export {};\n";

function manifestFor(gz: Uint8Array, files: ManifestFile[]): Manifest {
  const digest = sha512(gz);
  return {
    _type: "agentgov/manifest/v1", name: "@acme/t", version: "1.0.0", publisher: "acme",
    artifact: { filename: "t-1.0.0.tgz", size: gz.byteLength, sha512: toHex(digest), integrity: `sha512-${toBase64(digest)}` },
    files, entry: { kind: "tool", main: "package/index.js" },
    capabilities: { network: { hosts: [] }, fs: { read: [], write: [] }, exec: [], env: [], tools: [] },
    createdAt: "2026-11-21T05:00:00Z",
  };
}

function file(path: string, data: string, exec = false): ManifestFile {
  return { path, size: Buffer.byteLength(data), sha256: toHex(sha256(Buffer.from(data))), exec };
}

const GOOD: RawEntry[] = [
  { name: "package/", type: "5", mode: 0o755 },
  { name: "package/index.js", data: INDEX },
  { name: "package/package.json", data: PKG },
];
const GOOD_FILES = [file("package/index.js", INDEX), file("package/package.json", PKG)];

async function scan(entries: RawEntry[], files: ManifestFile[] = GOOD_FILES, trailing?: Buffer): Promise<void> {
  const gz = rawTarGz(entries, trailing);
  await scanTarball(gz, manifestFor(gz, files), DEFAULT_LIMITS);
}

describe("scanTarball", () => {
  it("accepts a clean archive", async () => {
    await scan(GOOD);
  });

  it.each<[string, RawEntry[], string]>([
    ["a symlink", [...GOOD, { name: "package/link", type: "2", linkname: "/etc/passwd" }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a hardlink", [...GOOD, { name: "package/hard", type: "1", linkname: "package/index.js" }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a FIFO", [...GOOD, { name: "package/fifo", type: "6" }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a character device", [...GOOD, { name: "package/dev", type: "3" }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a global PAX header", [{ name: "pax_global_header", type: "g", data: paxRecord("path", "x") }, ...GOOD], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a GNU long name", [{ name: "././@LongLink", type: "L", data: "package/index.js" }, ...GOOD], "REGISTRY_ARCHIVE_UNSAFE"],
    ["../ traversal", [...GOOD, { name: "package/../x", data: "x" }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["an absolute path", [...GOOD, { name: "/etc/x", data: "x" }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a backslash", [...GOOD, { name: "package\\x", data: "x" }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a PAX path overriding a benign name", [...GOOD, { name: "PaxHeader", type: "x", data: paxRecord("path", "../../evil") }, { name: "package/benign.js", data: "x" }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a PAX size record", [...GOOD, { name: "PaxHeader", type: "x", data: paxRecord("size", "1") }, { name: "package/x", data: "x" }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["NUL in a PAX value", [...GOOD, { name: "PaxHeader", type: "x", data: paxRecord("path", "package/a\0b") }, { name: "package/x", data: "x" }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a base-256 size", [...GOOD, { name: "package/x", sizeField: Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a setuid file", [{ name: "package/", type: "5", mode: 0o755 }, { name: "package/index.js", data: INDEX, mode: 0o4755 }, { name: "package/package.json", data: PKG }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a duplicate path", [...GOOD, { name: "package/index.js", data: INDEX }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a case collision", [...GOOD, { name: "package/INDEX.js", data: INDEX }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["a bad checksum", [{ name: "package/index.js", data: INDEX, badChecksum: true }, { name: "package/package.json", data: PKG }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["an old-style (non-ustar) header", [{ name: "package/index.js", data: INDEX, magic: "\0\0\0\0\0\0\0\0" }, { name: "package/package.json", data: PKG }], "REGISTRY_ARCHIVE_UNSAFE"],
    ["an extra unsigned file", [...GOOD, { name: "package/extra.js", data: "x" }], "REGISTRY_TREE_MISMATCH"],
    ["a missing signed file", [GOOD[0] as RawEntry, GOOD[2] as RawEntry], "REGISTRY_TREE_MISMATCH"],
    ["an altered file", [GOOD[0] as RawEntry, { name: "package/index.js", data: "export {};\n".toUpperCase() }, GOOD[2] as RawEntry], "REGISTRY_TREE_MISMATCH"],
    ["a changed exec bit", [GOOD[0] as RawEntry, { name: "package/index.js", data: INDEX, mode: 0o755 }, GOOD[2] as RawEntry], "REGISTRY_TREE_MISMATCH"],
  ])("refuses %s", async (_label, entries, code) => {
    await expect(scan(entries)).rejects.toMatchObject({ code });
  });

  it("refuses data after the end-of-archive blocks", async () => {
    await expect(scan(GOOD, GOOD_FILES, Buffer.from("trailing"))).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_UNSAFE" });
  });

  it("refuses a second gzip member, trailing garbage, non-gzip and gzip of non-tar", async () => {
    const gz = rawTarGz(GOOD);
    for (const bytes of [
      new Uint8Array([...gz, ...gzipSync(Buffer.alloc(1024))]),
      new Uint8Array([...gz, 1, 2, 3, 4]),
      new Uint8Array(Buffer.from("not gzip at all, just some text")),
      new Uint8Array(gzipSync(Buffer.from("hello, not a tar archive"))),
    ]) {
      await expect(scanTarball(bytes, manifestFor(bytes, GOOD_FILES), DEFAULT_LIMITS)).rejects.toMatchObject({ code: expect.stringMatching(/^REGISTRY_ARCHIVE_/) as string });
    }
  });

  it("refuses a truncated archive", async () => {
    const raw = rawTarGz(GOOD);
    const { gunzipSync } = await import("node:zlib");
    const cut = new Uint8Array(gzipSync(gunzipSync(raw).subarray(0, 1024)));
    await expect(scanTarball(cut, manifestFor(cut, GOOD_FILES), DEFAULT_LIMITS)).rejects.toMatchObject({ code: expect.stringMatching(/^REGISTRY_/) as string });
  });

  it("refuses more entries than allowed and deep paths", async () => {
    const limits = { ...DEFAULT_LIMITS, entries: 3 };
    const many = [...GOOD, { name: "package/a", data: "" }, { name: "package/b", data: "" }];
    const gz = rawTarGz(many);
    await expect(scanTarball(gz, manifestFor(gz, [...GOOD_FILES, file("package/a", ""), file("package/b", "")]), limits)).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_LIMIT" });
    const deep = `package/${Array.from({ length: 40 }, () => "d").join("/")}`;
    await expect(scan([...GOOD, { name: "x", type: "x", data: paxRecord("path", deep) }, { name: "package/y", data: "" }])).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_UNSAFE" });
  });

  it("refuses a package.json with scripts and one that is missing", async () => {
    const scripts = JSON.stringify({ name: "@acme/t", version: "1.0.0", scripts: { install: "x" } });
    await expect(scan([GOOD[0] as RawEntry, GOOD[1] as RawEntry, { name: "package/package.json", data: scripts }], [GOOD_FILES[0] as ManifestFile, file("package/package.json", scripts)]))
      .rejects.toMatchObject({ code: "REGISTRY_SCRIPTS_FORBIDDEN" });
    await expect(scan([GOOD[0] as RawEntry, GOOD[1] as RawEntry], [GOOD_FILES[0] as ManifestFile])).rejects.toMatchObject({ code: "REGISTRY_MANIFEST_INVALID" });
  });
});
