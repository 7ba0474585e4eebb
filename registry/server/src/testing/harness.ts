/**
 * Test harness: a real registry (initRegistry + createRegistryServer on 127.0.0.1, ephemeral
 * port), an HTTP client, publishers with bound keys, plugins packed and signed by the real
 * registry-client, and a snapshot of everything the server can write (blob files, rows, log
 * leaves) to prove that a rejection wrote nothing.
 */
import { mkdtemp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { buildTarball, pack, sign } from "@agentgov/registry-client";
import {
  canonicalBytes, formatRfc3339Seconds, generateKeyPair, sha256, sha512, signStatement, toBase64, toHex,
  type Envelope, type KeyId, type Manifest,
} from "@agentgov/registry-protocol";
import { initRegistry } from "../init.js";
import { createRegistryServer, type RegistryServer, type RegistryServerOptions } from "../server.js";
import { registryPaths } from "../registry-config.js";
import type { Clock } from "../clock.js";

/** A test clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(public seconds = Math.floor(Date.now() / 1000)) {}
  now(): number {
    return this.seconds;
  }
  advance(seconds: number): void {
    this.seconds += seconds;
  }
}

/** A key pair. */
export interface TestKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  keyid: KeyId;
}

/** A started registry plus helpers. */
export interface TestRegistry {
  dir: string;
  server: RegistryServer;
  url: string;
  origin: string;
  adminToken: string;
  clock: ManualClock;
  adminSeed: Uint8Array;
  close(): Promise<void>;
}

/** An HTTP response, body as text. */
export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  json: () => unknown;
}

/** Starts a fresh registry in a temp folder. */
export async function startRegistry(
  options: Partial<RegistryServerOptions> = {}, stores?: (dir: string) => Pick<RegistryServerOptions, "meta" | "blobs">,
): Promise<TestRegistry> {
  const dir = join(await mkdtemp(join(tmpdir(), "agentgov-registry-")), "registry");
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock();
  const init = await initRegistry(dir, { publicUrl: "http://registry.test", clock });
  const server = await createRegistryServer({ dir, port: 0, clock, every: () => () => undefined, ...options, ...stores?.(dir) });
  const adminToken = (await readFile(init.adminTokenPath, "utf8")).trim();
  const adminKeyText = (await readFile(join(dir, "keys", "admin.key"), "utf8")).trim();
  const adminSeed = new Uint8Array(Buffer.from(adminKeyText.slice("agentgov-ed25519-sk:".length), "base64"));
  return { dir, server, url: server.url, origin: init.origin, adminToken, clock, adminSeed, close: () => server.close() };
}

/** Sends a request. `body` objects are sent as JSON. */
export async function call(reg: TestRegistry, method: string, path: string, body?: unknown, token?: string): Promise<TestResponse> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await fetch(`${reg.url}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

/** The error code of a JSON error response. */
export function errorCode(res: TestResponse): string | undefined {
  try {
    return (res.json() as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** A fresh Ed25519 key. */
export function newKey(): TestKey {
  return generateKeyPair();
}

/** The current time as RFC 3339 seconds on the registry's clock. */
export function issuedAt(reg: TestRegistry): string {
  return formatRfc3339Seconds(reg.clock.now());
}

/** Creates a publisher with one bound key and a token (`keys` + `publish:` scopes). */
export async function createPublisher(reg: TestRegistry, id: string, scopes?: string[]): Promise<{ key: TestKey; token: string }> {
  const created = await call(reg, "POST", "/v1/admin/publishers", { id }, reg.adminToken);
  if (created.status !== 201) throw new Error(`publisher: ${created.text}`);
  const token = await issueToken(reg, id, scopes ?? ["keys", `publish:@${id}/*`, "publish:*"]);
  const key = newKey();
  const binding = signStatement("key-binding", {
    _type: "agentgov/key-binding/v1", registry: reg.origin, publisher: id, publicKey: toBase64(key.publicKey), issuedAt: issuedAt(reg),
  }, [key.secretKey]);
  const bound = await call(reg, "POST", `/v1/publishers/${id}/keys`, binding, token);
  if (bound.status !== 201) throw new Error(`bind: ${bound.text}`);
  return { key, token };
}

/** Issues a token through the admin API. */
export async function issueToken(reg: TestRegistry, publisher: string | undefined, scopes: string[], ttlSeconds = 30 * 24 * 3600): Promise<string> {
  const res = await call(reg, "POST", "/v1/admin/tokens", { scopes, ttlSeconds, ...(publisher === undefined ? {} : { publisher }) }, reg.adminToken);
  if (res.status !== 201) throw new Error(`token: ${res.text}`);
  return (res.json() as { token: string }).token;
}

/** Options of {@link packPlugin}. */
export interface PluginSpec {
  name: string;
  version: string;
  publisher: string;
  /** Extra source text, so that two packs of one version differ. */
  salt?: string;
  dependencies?: Record<string, string>;
}

/** A packed and signed plugin. */
export interface SignedPlugin {
  manifest: Manifest;
  tarball: Uint8Array;
  envelope: Envelope;
}

/** Packs a small plugin with the real client and signs it with `keys`. */
export async function packPlugin(spec: PluginSpec, keys: readonly TestKey[]): Promise<SignedPlugin> {
  const dir = await mkdtemp(join(tmpdir(), "agentgov-plugin-"));
  const deps = spec.dependencies === undefined ? "" : `dependencies:\n${Object.entries(spec.dependencies).map(([n, r]) => `  "${n}": "${r}"`).join("\n")}\n`;
  await writeFile(join(dir, "agentgov-plugin.yaml"), [
    `name: "${spec.name}"`, `version: "${spec.version}"`, `publisher: ${spec.publisher}`, "description: test plugin", "license: MIT",
    "entry:", "  kind: tool", "  main: lib/index.js",
    "capabilities:", "  network:", "    hosts: []", "  fs:", "    read: []", "    write: []", "  exec: []", "  env: []", "  tools: []",
    deps,
  ].join("\n"));
  await mkdir(join(dir, "lib"));
  await writeFile(join(dir, "lib/index.js"), `export const salt = ${JSON.stringify(spec.salt ?? "")};\n`);
  const out = await mkdtemp(join(tmpdir(), "agentgov-out-"));
  const packed = await pack(dir, { outDir: out, createdAt: "2026-11-21T05:00:00Z" });
  const signed = await sign(packed.tarballPath, keys.map((k) => k.secretKey));
  return { manifest: packed.manifest, tarball: packed.tarball, envelope: signed.envelope };
}

/**
 * Builds a tarball from raw files (no checks of the client's pack) and a manifest that signs
 * exactly it, so that archive rules are tested past the signature.
 */
export async function signRawTarball(base: Manifest, files: { path: string; data: string; exec?: boolean }[], keys: readonly TestKey[]): Promise<SignedPlugin> {
  const tarball = new Uint8Array(await buildTarball(files.map((f) => ({ path: f.path, data: Buffer.from(f.data), exec: f.exec ?? false }))));
  const digest = sha512(tarball);
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const manifest: Manifest = {
    ...base,
    artifact: { ...base.artifact, size: tarball.byteLength, sha512: toHex(digest), integrity: `sha512-${toBase64(digest)}` },
    files: sorted.map((f) => ({ path: `package/${f.path}`, size: Buffer.byteLength(f.data), sha256: toHex(sha256(Buffer.from(f.data))), exec: f.exec ?? false })),
  };
  return { manifest, tarball, envelope: resign(manifest, keys) };
}

/** Signs `manifest` as is (for manifests edited by a test). */
export function resign(manifest: Manifest, keys: readonly TestKey[]): Envelope {
  return signStatement("manifest", JSON.parse(new TextDecoder().decode(canonicalBytes(manifest))) as object, keys.map((k) => k.secretKey));
}

/** Publishes a signed plugin. */
export function publishPlugin(reg: TestRegistry, plugin: SignedPlugin, token: string, at?: { name: string; version: string }): Promise<TestResponse> {
  const name = at?.name ?? plugin.manifest.name;
  const version = at?.version ?? plugin.manifest.version;
  return call(reg, "POST", `/v1/packages/${name}/${version}`, { envelope: plugin.envelope, tarball: toBase64(plugin.tarball) }, token);
}

/** Everything the server can write, counted. */
export interface Snapshot {
  blobFiles: string[];
  rows: Record<string, number>;
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  } catch {
    return [];
  }
}

/** Counts blob files and rows of every table (read through a separate read-only connection). */
export async function snapshot(reg: TestRegistry): Promise<Snapshot> {
  const paths = registryPaths(reg.dir);
  const db = new Database(paths.database, { readonly: true });
  try {
    const rows: Record<string, number> = {};
    for (const table of ["publishers", "keys", "packages", "versions", "log_leaves", "log_nodes", "statements", "package_indexes", "tokens", "roots", "checkpoints"]) {
      rows[table] = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    }
    return { blobFiles: await listFiles(paths.blobs), rows };
  } finally {
    db.close();
  }
}
