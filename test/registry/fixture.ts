/**
 * Attack-suite fixture: raw tar header bytes (hostile archives node-tar would never write),
 * signed manifests built from them with a test key, and the no-write-outside-staging harness
 * of REGISTRY.md §11.
 */
import { createHash } from "node:crypto";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "vitest";
import {
  generateKeyPair, isRegistryError, signStatement, toBase64, toHex, type Envelope, type RegistryErrorCode,
} from "@agentgov/registry-protocol";

/** One raw tar entry; `flag` is the type flag character (default `0`, file). */
export interface RawEntry {
  path: string;
  flag?: string;
  data?: Buffer;
  mode?: number;
  linkname?: string;
  /** Raw 12-byte size field (overrides the computed one). */
  sizeField?: Buffer;
  /** Local PAX records written in an `x` header before this entry. */
  pax?: Record<string, string>;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** One 512-byte ustar header with a valid checksum. */
export function header(name: string, flag: string, size: number, mode = 0o644, linkname = "", sizeField?: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, "utf8");
  h.write(octal(mode, 8), 100, "latin1");
  h.write(octal(0, 8), 108, "latin1");
  h.write(octal(0, 8), 116, "latin1");
  if (sizeField === undefined) h.write(octal(size, 12), 124, "latin1"); else sizeField.copy(h, 124, 0, 12);
  h.write(octal(0, 12), 136, "latin1");
  h.write(flag, 156, "latin1");
  h.write(linkname, 157, "utf8");
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148, "latin1");
  return h;
}

function padded(data: Buffer): Buffer {
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([data, Buffer.alloc(pad)]);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len++;
  return `${String(len)}${body}`;
}

/** Raw tar bytes of `entries` followed by the two end-of-archive blocks. */
export function rawTar(entries: readonly RawEntry[], trailer: Buffer = Buffer.alloc(1024)): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.pax !== undefined) {
      const body = Buffer.from(Object.entries(e.pax).map(([k, v]) => paxRecord(k, v)).join(""), "utf8");
      parts.push(header("PaxHeader", "x", body.length), padded(body));
    }
    const flag = e.flag ?? "0";
    const data = e.data ?? Buffer.alloc(0);
    parts.push(header(e.path, flag, data.length, e.mode ?? (flag === "5" ? 0o755 : 0o644), e.linkname ?? "", e.sizeField));
    if (data.length > 0) parts.push(padded(data));
  }
  parts.push(trailer);
  return Buffer.concat(parts);
}

/** A signed file of a plugin. */
export interface PluginFile { path: string; data: Buffer; exec?: boolean }

/** The default benign plugin files. */
export function benignFiles(): PluginFile[] {
  return [
    { path: "package/index.js", data: Buffer.from("export const x = 1;\n") },
    { path: "package/bin/run.sh", data: Buffer.from("#!/bin/sh\necho hi\n"), exec: true },
  ];
}

/** Raw entries of `files` with their parent folders, sorted. */
export function entriesOf(files: readonly PluginFile[]): RawEntry[] {
  const dirs = new Set<string>(["package/"]);
  for (const f of files) {
    const segs = f.path.split("/");
    for (let i = 1; i < segs.length - 1; i++) dirs.add(`${segs.slice(0, i + 1).join("/")}/`);
  }
  const out: RawEntry[] = [...dirs].map((path) => ({ path, flag: "5" }));
  for (const f of files) out.push({ path: f.path, data: f.data, mode: f.exec === true ? 0o755 : 0o644 });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The test signing key (fresh per process). */
export const testKey = generateKeyPair();

/** Default capabilities of the test plugin. */
export function baseCapabilities(): Record<string, unknown> {
  return { network: { hosts: ["api.example.com"] }, fs: { read: ["$WORKSPACE/**"], write: [] }, exec: [], env: [], tools: [] };
}

/** Manifest data for `tgz` signing `files` (untyped so tests can break it). */
export function manifestFor(tgz: Buffer, files: readonly PluginFile[], patch: Record<string, unknown> = {}): Record<string, unknown> {
  const sha512 = createHash("sha512").update(tgz).digest();
  const version = typeof patch.version === "string" ? patch.version : "1.0.0";
  const signed = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => ({
    path: f.path, size: f.data.length, sha256: createHash("sha256").update(f.data).digest("hex"), exec: f.exec === true,
  }));
  return {
    _type: "agentgov/manifest/v1", name: "@acme/demo", version, publisher: "acme",
    artifact: { filename: `demo-${version}.tgz`, size: tgz.length, sha512: toHex(sha512), integrity: `sha512-${toBase64(sha512)}` },
    files: signed, entry: { kind: "tool", main: "package/index.js" }, capabilities: baseCapabilities(),
    dependencies: {}, engines: { agentgov: ">=1.0.0 <2.0.0", node: ">=20.19.0" },
    description: "demo", license: "MIT", createdAt: "2026-11-21T05:00:00Z", ...patch,
  };
}

/** A temporary home and project, with `plugins/` present as in any used home. */
export interface Sandbox { root: string; home: string; project: string; src: string }

/** Creates a sandbox under the OS temp folder. */
export async function sandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), "agentgov-attacks-"));
  const home = join(root, "home");
  const project = join(root, "project");
  const src = join(root, "src");
  await mkdir(join(home, "plugins"), { recursive: true, mode: 0o700 });
  await mkdir(project);
  await mkdir(src);
  return { root, home, project, src };
}

async function makeWritable(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const abs = join(dir, name);
    const st = await lstat(abs);
    if (st.isDirectory()) { await chmod(abs, 0o755); await makeWritable(abs); }
  }
}

/** Removes a sandbox (installed folders are read-only). */
export async function removeSandbox(box: Sandbox): Promise<void> {
  await makeWritable(box.root);
  await rm(box.root, { recursive: true, force: true });
}

/** Writes a tarball and its envelope into `box.src`; returns their paths. */
export async function writeArtifact(box: Sandbox, tgz: Buffer, envelope: Envelope | string, name = "demo"): Promise<{ tgz: string; env: string }> {
  const t = join(box.src, `${name}.tgz`);
  const e = join(box.src, `${name}.agentsig.json`);
  await writeFile(t, tgz);
  await writeFile(e, typeof envelope === "string" ? envelope : JSON.stringify(envelope));
  return { tgz: t, env: e };
}

/** Builds, signs and writes a plugin from raw entries. */
export async function hostilePlugin(
  box: Sandbox, entries: readonly RawEntry[], files: readonly PluginFile[] = benignFiles(), patch: Record<string, unknown> = {},
  trailer?: Buffer,
): Promise<{ tgz: string; env: string; manifest: Record<string, unknown> }> {
  const tgz = gzipSync(rawTar(entries, trailer));
  const manifest = manifestFor(tgz, files, patch);
  const envelope = signStatement("manifest", manifest, [testKey.secretKey]);
  return { ...(await writeArtifact(box, tgz, envelope)), manifest };
}

async function snapshot(dir: string, out: Map<string, string>, rel = ""): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    const abs = join(dir, name);
    const path = `${rel}/${name}`;
    const st = await lstat(abs);
    if (st.isDirectory()) {
      out.set(path, `d:${(st.mode & 0o7777).toString(8)}`);
      await snapshot(abs, out, path);
    } else {
      const digest = st.isFile() ? createHash("sha256").update(await readFile(abs)).digest("hex") : "special";
      out.set(path, `f:${(st.mode & 0o7777).toString(8)}:${String(st.size)}:${digest}`);
    }
  }
}

/** Snapshot of home and project (the transient lock file aside). */
export async function snapshotOf(box: Sandbox): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await snapshot(box.home, out, "/home");
  await snapshot(box.project, out, "/project");
  out.delete("/home/plugins/.lock");
  return out;
}

/**
 * Runs `action`, expects a `RegistryError` with one of `codes`, and proves that nothing was
 * written outside staging and that no staging folder (nor the lock) is left.
 */
export async function expectRejected(box: Sandbox, action: () => Promise<unknown>, codes: RegistryErrorCode | readonly RegistryErrorCode[]): Promise<RegistryErrorCode> {
  const allowed: readonly RegistryErrorCode[] = typeof codes === "string" ? [codes] : codes;
  const before = await snapshotOf(box);
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(isRegistryError(caught), `expected a RegistryError, got ${String(caught)}`).toBe(true);
  const code = (caught as { code: RegistryErrorCode }).code;
  expect(allowed, `unexpected code ${code}: ${(caught as Error).message}`).toContain(code);
  const after = await snapshotOf(box);
  expect([...after.entries()]).toEqual([...before.entries()]);
  const plugins = await readdir(join(box.home, "plugins"));
  expect(plugins.filter((n) => n.startsWith(".staging-") || n === ".lock")).toEqual([]);
  return code;
}
