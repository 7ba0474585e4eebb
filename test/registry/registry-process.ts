/**
 * A real `agentgov registry serve` for cross-package tests: the built CLI in a child process
 * on 127.0.0.1 with a temp `AGENTGOV_HOME`, plus a small publisher toolkit over its HTTP API
 * (admin token from the 0600 file, publisher + scoped token, key binding, plugins packed and
 * signed by the real registry-client). Mirrors registry/server/src/testing/harness.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack, sign } from "@agentgov/registry-client";
import {
  formatRfc3339Seconds, generateKeyPair, signStatement, toBase64, type Envelope, type KeyId, type Manifest,
} from "@agentgov/registry-protocol";
import { CLI, runCli, type CliResult } from "../support/cli.js";

/** What `registry serve --json` prints once listening. */
export interface ServeInfo {
  url: string;
  dir: string;
  origin: string;
  root1Sha256: string;
  adminTokenPath: string;
  initialized: boolean;
}

/** A running registry process. */
export interface RegistryProcess {
  info: ServeInfo;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  stderr: () => string;
}

/** A temp home for one test file. */
export async function tempHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), "agentgov-registry-home-"));
}

/** Starts `agentgov registry serve --json …args` with `AGENTGOV_HOME=home`; resolves once it listens. */
export async function startRegistryProcess(home: string, args: readonly string[]): Promise<RegistryProcess> {
  const child = spawn(process.execPath, [CLI, "registry", "serve", "--json", ...args], {
    env: { ...process.env, AGENTGOV_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (chunk: Buffer) => { err += chunk.toString(); });
  const exited = new Promise<number | string>((done) => {
    child.once("exit", (code, signal) => { done(code ?? signal ?? -1); });
  });
  const info = await new Promise<ServeInfo>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`registry serve did not start in 20 s: ${err}`)); }, 20_000);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as ServeInfo);
      }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`registry serve exited with ${String(code)}: ${err}`)); });
  });
  return { info, child, exited, stderr: () => err };
}

/** Runs `agentgov registry log …args` against `url` with `AGENTGOV_HOME=home`. */
export function registryLog(home: string, url: string, args: readonly string[]): Promise<CliResult> {
  return runCli(["registry", "log", ...args, "--registry", url], { env: { AGENTGOV_HOME: home }, timeoutMs: 60_000 });
}

/** A JSON HTTP call; resolves with status and parsed body (or throws on a transport error). */
export async function call(url: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : JSON.parse(text) as unknown };
}

/** A publisher with one bound key and a token scoped to its names. */
export interface Publisher {
  id: string;
  secretKey: Uint8Array;
  keyid: KeyId;
  token: string;
}

/** Creates publisher `id` with the admin token, issues it a token and binds a fresh key. */
export async function createPublisher(info: ServeInfo, id: string): Promise<Publisher> {
  const admin = (await readFile(info.adminTokenPath, "utf8")).trim();
  const created = await call(info.url, "POST", "/v1/admin/publishers", { id }, admin);
  if (created.status !== 201) throw new Error(`publisher: ${JSON.stringify(created.body)}`);
  const issued = await call(info.url, "POST", "/v1/admin/tokens", { publisher: id, scopes: ["keys", `publish:@${id}/*`], ttlSeconds: 86_400 }, admin);
  if (issued.status !== 201) throw new Error(`token: ${JSON.stringify(issued.body)}`);
  const token = (issued.body as { token: string }).token;
  const key = generateKeyPair();
  const binding = signStatement("key-binding", {
    _type: "agentgov/key-binding/v1", registry: info.origin, publisher: id, publicKey: toBase64(key.publicKey),
    issuedAt: formatRfc3339Seconds(Math.floor(Date.now() / 1000)),
  }, [key.secretKey]);
  const bound = await call(info.url, "POST", `/v1/publishers/${id}/keys`, binding, token);
  if (bound.status !== 201) throw new Error(`bind: ${JSON.stringify(bound.body)}`);
  return { id, secretKey: key.secretKey, keyid: key.keyid, token };
}

/** A packed and signed plugin. */
export interface SignedPlugin {
  manifest: Manifest;
  tarball: Uint8Array;
  envelope: Envelope;
}

/** Packs a small plugin with the real client and signs it; `salt` makes two packs of one version differ. */
export async function packPlugin(name: string, version: string, publisher: Publisher, salt = ""): Promise<SignedPlugin> {
  const dir = await mkdtemp(join(tmpdir(), "agentgov-plugin-"));
  await writeFile(join(dir, "agentgov-plugin.yaml"), [
    `name: "${name}"`, `version: "${version}"`, `publisher: ${publisher.id}`, "description: crash test plugin", "license: MIT",
    "entry:", "  kind: tool", "  main: lib/index.js",
    "capabilities:", "  network:", "    hosts: []", "  fs:", "    read: []", "    write: []", "  exec: []", "  env: []", "  tools: []", "",
  ].join("\n"));
  await mkdir(join(dir, "lib"));
  await writeFile(join(dir, "lib/index.js"), `export const salt = ${JSON.stringify(salt)};\n`);
  const packed = await pack(dir, { outDir: await mkdtemp(join(tmpdir(), "agentgov-out-")), createdAt: "2026-11-21T05:00:00Z" });
  const signed = await sign(packed.tarballPath, [publisher.secretKey]);
  return { manifest: packed.manifest, tarball: packed.tarball, envelope: signed.envelope };
}

/** POSTs a signed plugin to the native publish route. */
export function publish(url: string, plugin: SignedPlugin, token: string): Promise<{ status: number; body: unknown }> {
  return call(url, "POST", `/v1/packages/${plugin.manifest.name}/${plugin.manifest.version}`, { envelope: plugin.envelope, tarball: toBase64(plugin.tarball) }, token);
}
