/**
 * What the registry benchmark drives (REGISTRY.md §13 P1, P3): a large incompressible plugin
 * packed and signed with the client API, gzip bombs built from raw tar headers and signed with
 * the same key, a benign control plugin, the raw SHA-512 reference, and the home/project
 * snapshot that proves a rejected install wrote nothing.
 */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, lstat, mkdir, open, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createGzip, gzipSync } from "node:zlib";
import { pack, sign } from "@agentgov/registry-client";
import {
  DEFAULT_LIMITS, artifactFilename, capabilitiesSha256, toBase64, toHex,
  type ProtocolLimits,
} from "@agentgov/registry-protocol";
import type { RaisedLimits } from "./protocol.js";

export const MIB = 1024 * 1024;
/** Read size of the raw reference, as `hashFile`'s: 1 MiB. */
export const READ_BYTES = MIB;

/** The client limits with the P1 overrides. */
export function raisedLimits(raised: RaisedLimits): ProtocolLimits {
  return { ...DEFAULT_LIMITS, ...raised };
}

// ---------------------------------------------------------------- P1

const AUTHORING = `name: "@bench/big"
version: "1.0.0"
publisher: bench
description: Large incompressible benchmark plugin
license: MIT
entry:
  kind: tool
  main: lib/index.js
capabilities:
  network:
    hosts: []
  fs:
    read: []
    write: []
  exec: []
  env: []
  tools: []
engines:
  agentgov: ">=1.0.0 <2.0.0"
  node: ">=20.19.0"
`;

/** Writes a plugin folder with `payloadBytes` of random data, packs and signs it with the client API. */
export async function buildBigPlugin(root: string, payloadBytes: number, secretKey: Uint8Array, limits: ProtocolLimits): Promise<{ tarball: string; envelope: string; size: number; sha512: string }> {
  const src = join(root, "big-plugin");
  await mkdir(join(src, "lib"), { recursive: true });
  await mkdir(join(src, "data"));
  await writeFile(join(src, "agentgov-plugin.yaml"), AUTHORING, { mode: 0o644 });
  await writeFile(join(src, "lib/index.js"), "export const big = true;\n", { mode: 0o644 });
  const handle = await open(join(src, "data/blob.bin"), "w", 0o644);
  try {
    for (let left = payloadBytes; left > 0; left -= MIB) await handle.write(randomBytes(Math.min(MIB, left)));
  } finally {
    await handle.close();
  }
  const out = join(root, "big-out");
  const packed = await pack(src, { outDir: out, createdAt: "2026-11-21T00:00:00Z", limits });
  const signed = await sign(packed.tarballPath, [secretKey], { limits });
  return { tarball: packed.tarballPath, envelope: signed.envelopePath, size: packed.manifest.artifact.size, sha512: packed.manifest.artifact.sha512 };
}

/** The raw reference: streaming `node:crypto` SHA-512 of `path` in 1 MiB reads (hex digest). */
export async function rawSha512(path: string): Promise<{ size: number; sha512: string }> {
  const handle = await open(path, "r");
  try {
    const hash = createHash("sha512");
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      hash.update(buffer.subarray(0, bytesRead));
    }
    return { size, sha512: hash.digest("hex") };
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------- P3

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** One 512-byte ustar header with a valid checksum (what node-tar would write, or a lie). */
function tarHeader(name: string, flag: "0" | "5", size: number, mode: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, "utf8");
  h.write(octal(mode, 8), 100, "latin1");
  h.write(octal(0, 8), 108, "latin1");
  h.write(octal(0, 8), 116, "latin1");
  h.write(octal(size, 12), 124, "latin1");
  h.write(octal(0, 12), 136, "latin1");
  h.write(flag, 156, "latin1");
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148, "latin1");
  return h;
}

function fileEntry(path: string, data: Buffer): Buffer {
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([tarHeader(path, "0", data.length, 0o644), data, Buffer.alloc(pad)]);
}

const INDEX_JS = Buffer.from("export const x = 1;\n");
/** The files every small plugin has: `package/` and `package/index.js`. */
const PROLOGUE = (): Buffer => Buffer.concat([tarHeader("package/", "5", 0, 0o755), fileEntry("package/index.js", INDEX_JS)]);

/** Capabilities of the small plugins; consent is given for exactly these. */
export const SMALL_CAPABILITIES = { network: { hosts: [] }, fs: { read: [], write: [] }, exec: [], env: [], tools: [] };
export const SMALL_CAPABILITIES_SHA256 = capabilitiesSha256(SMALL_CAPABILITIES);

/** Writes `<dir>/<name>.tgz` and its manifest, then signs it with the client's `sign`. */
async function signSmall(dir: string, name: string, tgz: string, files: { path: string; data: Buffer }[], secretKey: Uint8Array): Promise<{ tarball: string; envelope: string; compressedBytes: number }> {
  const bytes = await readFile(tgz);
  const sha512 = createHash("sha512").update(bytes).digest();
  const manifest = {
    _type: "agentgov/manifest/v1", name: "@bench/small", version: "1.0.0", publisher: "bench",
    artifact: { filename: artifactFilename("@bench/small", "1.0.0"), size: bytes.length, sha512: toHex(sha512), integrity: `sha512-${toBase64(sha512)}` },
    files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: createHash("sha256").update(f.data).digest("hex"), exec: false })),
    entry: { kind: "tool", main: "package/index.js" }, capabilities: SMALL_CAPABILITIES,
    dependencies: {}, engines: { agentgov: ">=1.0.0 <2.0.0", node: ">=20.19.0" },
    description: "bench", license: "MIT", createdAt: "2026-11-21T00:00:00Z",
  };
  const manifestPath = join(dir, `${name}.manifest.json`);
  await writeFile(manifestPath, JSON.stringify(manifest));
  const envelopePath = join(dir, `${name}.agentsig.json`);
  await sign(tgz, [secretKey], { manifestPath, envelopePath });
  return { tarball: tgz, envelope: envelopePath, compressedBytes: bytes.length };
}

/** A benign small plugin (the control: it must install with the same key and consent). */
export async function buildBenign(dir: string, secretKey: Uint8Array): Promise<{ tarball: string; envelope: string }> {
  const tgz = join(dir, "benign.tgz");
  await writeFile(tgz, gzipSync(Buffer.concat([PROLOGUE(), Buffer.alloc(1024)])));
  return signSmall(dir, "benign", tgz, [{ path: "package/index.js", data: INDEX_JS }], secretKey);
}

/** The bomb variants: the zeros entry's header claims 1 GiB (honest) or 10 bytes (lying). */
export const BOMBS = [
  { name: "header 1 GiB", claimed: 1024 ** 3 },
  { name: "header lies (10 B)", claimed: 10 },
] as const;
export const BOMB_ZEROS = 1024 ** 3;

/**
 * One entry `package/zeros.bin` followed by 1 GiB of zeros (gzip -9, ~1 MB), after a benign
 * prologue; the signed file list says zeros.bin is 10 bytes. Signed with the client's `sign`.
 */
export async function buildBomb(dir: string, name: string, claimed: number, secretKey: Uint8Array): Promise<{ tarball: string; envelope: string; compressedBytes: number }> {
  const file = name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
  const tgz = join(dir, `bomb-${file}.tgz`);
  const gz = createGzip({ level: 9 });
  const out = createWriteStream(tgz);
  const done = new Promise<void>((resolve, reject) => { out.on("finish", resolve); out.on("error", reject); });
  gz.pipe(out);
  const write = async (chunk: Buffer): Promise<void> => {
    if (!gz.write(chunk)) await new Promise((r) => gz.once("drain", r));
  };
  await write(PROLOGUE());
  await write(tarHeader("package/zeros.bin", "0", claimed, 0o644));
  const mib = Buffer.alloc(MIB);
  for (let left = BOMB_ZEROS; left > 0; left -= MIB) await write(left >= MIB ? mib : mib.subarray(0, left));
  gz.end();
  await done;
  return signSmall(dir, `bomb-${file}`, tgz, [{ path: "package/index.js", data: INDEX_JS }, { path: "package/zeros.bin", data: Buffer.alloc(10) }], secretKey);
}

// ---------------------------------------------------------------- nothing written

/** Every path under `dir` with its type, mode, size and content digest (not times). */
async function walk(dir: string, rel: string, out: Map<string, string>): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    const abs = join(dir, name);
    const path = `${rel}/${name}`;
    const st = await lstat(abs);
    if (st.isDirectory()) {
      out.set(path, `d:${(st.mode & 0o7777).toString(8)}`);
      await walk(abs, path, out);
    } else {
      const digest = st.isFile() ? createHash("sha256").update(await readFile(abs)).digest("hex") : "special";
      out.set(path, `f:${(st.mode & 0o7777).toString(8)}:${String(st.size)}:${digest}`);
    }
  }
}

/** Snapshot of a home and a project folder. */
export async function snapshot(home: string, project: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await walk(home, "/home", out);
  await walk(project, "/project", out);
  return out;
}

/** Differences between two snapshots (empty: identical). */
export function diffSnapshots(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [path, what] of after) if (before.get(path) !== what) out.push(`${before.has(path) ? "changed" : "added"} ${path}`);
  for (const path of before.keys()) if (!after.has(path)) out.push(`removed ${path}`);
  return out;
}

/** Makes every folder under `dir` writable (installed plugins are read-only) so it can be removed. */
export async function makeRemovable(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const abs = join(dir, name);
    if ((await lstat(abs)).isDirectory()) {
      await chmod(abs, 0o755);
      await makeRemovable(abs);
    }
  }
}
