/**
 * Fixture of the registry network suite: a real registry (initRegistry + createRegistryServer
 * on 127.0.0.1, ephemeral port), publishers onboarded through the admin API, plugins packed
 * and signed with the real client, fresh client homes, and a tampering HTTP proxy (the
 * attacker: it forwards to the registry and may replace answers).
 */
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { bindKey, pack, publish, sign, type PublishResult } from "@agentgov/registry-client";
import { capabilitiesSha256, emptyCapabilities, generateKeyPair, isRegistryError, type KeyId } from "@agentgov/registry-protocol";
import { expect } from "vitest";
import { createRegistryServer, initRegistry, type RegistryServer } from "@agentgov/registry-server";

/** Consent to the test plugins' (empty) capabilities. */
export const CONSENT = capabilitiesSha256(emptyCapabilities());

/** Runs `run`, expects a `RegistryError` with `code`, and that no file under `dirs` changed. */
export async function rejects(run: () => Promise<unknown>, code: string, dirs: string[]): Promise<void> {
  const before = await snapshotFiles(...dirs);
  const error = await run().then(() => undefined, (e: unknown) => e);
  expect(isRegistryError(error) ? error.code : error).toBe(code);
  expect(await snapshotFiles(...dirs)).toEqual(before);
}

/** The registry's role key seed (`log`, `index`, …): what a compromised registry could sign with. */
export async function roleSeed(reg: Registry, role: string): Promise<Uint8Array> {
  const text = (await readFile(join(reg.dir, "keys", `${role}.key`), "utf8")).trim();
  return new Uint8Array(Buffer.from(text.slice("agentgov-ed25519-sk:".length), "base64"));
}

/** A running registry. */
export interface Registry {
  dir: string;
  url: string;
  server: RegistryServer;
  adminToken: string;
  close(): Promise<void>;
}

/** Starts a fresh registry in a temp folder. */
export async function startRegistry(options: { npmPublish?: "unsigned" | "reject" | "off" } = {}): Promise<Registry> {
  const dir = join(await mkdtemp(join(tmpdir(), "agentgov-reg-")), "registry");
  const init = await initRegistry(dir, { publicUrl: "http://registry.test" });
  const server = await createRegistryServer({ dir, port: 0, ...options });
  const adminToken = (await readFile(init.adminTokenPath, "utf8")).trim();
  return { dir, url: server.url, server, adminToken, close: () => server.close() };
}

/** Sends an admin/raw request. */
export async function call(url: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  return { status: res.status, text: await res.text() };
}

/** A publisher with a bound key and a token. */
export interface Publisher {
  id: string;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  keyid: KeyId;
  token: string;
  /** The publisher's own client home. */
  home: string;
}

/** Creates a publisher (admin API), issues its token and binds its first key with the client. */
export async function createPublisher(reg: Registry, id: string): Promise<Publisher> {
  const made = await call(reg.url, "POST", "/v1/admin/publishers", { id }, reg.adminToken);
  if (made.status !== 201) throw new Error(`publisher: ${made.text}`);
  const tok = await call(reg.url, "POST", "/v1/admin/tokens", { publisher: id, scopes: ["keys", `publish:@${id}/*`, "publish:*"], ttlSeconds: 3600 }, reg.adminToken);
  if (tok.status !== 201) throw new Error(`token: ${tok.text}`);
  const token = (JSON.parse(tok.text) as { token: string }).token;
  const key = generateKeyPair();
  const home = await newHome();
  await bindKey({ registry: reg.url, token, home, publisher: id, signingKey: key.secretKey });
  return { id, ...key, token, home };
}

/** A fresh client home and project folder. */
export async function newHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), "agentgov-home-"));
}

/** Packs and signs a small plugin (capabilities empty but for `env`); returns the tarball and envelope paths. */
export async function packPlugin(
  name: string, version: string, publisher: string, keys: readonly Uint8Array[], dependencies?: Record<string, string>, env: readonly string[] = [],
): Promise<{ tarball: string; envelope: string }> {
  const dir = await mkdtemp(join(tmpdir(), "agentgov-src-"));
  const deps = dependencies === undefined ? [] : ["dependencies:", ...Object.entries(dependencies).map(([n, r]) => `  "${n}": "${r}"`)];
  await writeFile(join(dir, "agentgov-plugin.yaml"), [
    `name: "${name}"`, `version: "${version}"`, `publisher: ${publisher}`, "description: test plugin", "license: MIT",
    "entry:", "  kind: tool", "  main: lib/index.js",
    "capabilities:", "  network:", "    hosts: []", "  fs:", "    read: []", "    write: []", "  exec: []", `  env: ${JSON.stringify(env)}`, "  tools: []",
    ...deps, "",
  ].join("\n"));
  await mkdir(join(dir, "lib"));
  await writeFile(join(dir, "lib/index.js"), `export const version = ${JSON.stringify(version)};\n`);
  const out = await mkdtemp(join(tmpdir(), "agentgov-out-"));
  const packed = await pack(dir, { outDir: out, createdAt: "2026-11-21T05:00:00Z" });
  const signed = await sign(packed.tarballPath, keys);
  return { tarball: packed.tarballPath, envelope: signed.envelopePath };
}

/** Packs, signs and publishes with the client. */
export async function publishPlugin(
  reg: Registry, pub: Publisher, name: string, version: string, dependencies?: Record<string, string>, env?: readonly string[],
): Promise<PublishResult> {
  const files = await packPlugin(name, version, pub.id, [pub.secretKey], dependencies, env);
  return publish(files.tarball, files.envelope, { registry: reg.url, token: pub.token, home: pub.home });
}

/** Every file (relative path → bytes) under `dirs`, to prove a rejection wrote nothing. */
export async function snapshotFiles(...dirs: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const dir of dirs) {
    let entries;
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.isFile()) continue;
      const abs = join(e.parentPath, e.name);
      out.set(`${dir}:${relative(dir, abs)}`, (await readFile(abs)).toString("base64"));
    }
  }
  return out;
}

/** A tampering proxy: `tamper(path, upstreamBody)` returns a replacement body or undefined to forward. */
export interface TamperProxy {
  url: string;
  tamper: ((path: string, body: Buffer, status: number) => Buffer | undefined) | undefined;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 in front of `upstream`. */
export async function startProxy(upstream: string): Promise<TamperProxy> {
  const target = new URL(upstream);
  const proxy: TamperProxy = { url: "", tamper: undefined, close: () => Promise.resolve() };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (upRes) => {
        const body: Buffer[] = [];
        upRes.on("data", (c: Buffer) => body.push(c));
        upRes.on("end", () => {
          const original = Buffer.concat(body);
          const replaced = proxy.tamper?.(req.url ?? "", original, upRes.statusCode ?? 0);
          const out = replaced ?? original;
          const headers = { ...upRes.headers, "content-length": String(out.byteLength) };
          res.writeHead(upRes.statusCode ?? 502, headers);
          res.end(out);
        });
      });
      up.on("error", () => { res.writeHead(502); res.end(); });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  proxy.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); });
  return proxy;
}
