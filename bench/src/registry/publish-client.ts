/**
 * The client side of the P2/P4 publish benchmarks (REGISTRY.md §13), over real HTTP: a
 * registry server process, publisher onboarding through the admin API, plugins packed with
 * the client API, and a publish that signs, uploads and verifies its receipt (entry digest,
 * inclusion proof, checkpoint signed by the root's log key).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pack, publish, sign } from "@agentgov/registry-client";
import {
  assertInclusion, entryLeafHash, formatRfc3339Seconds, fromBase64, generateKeyPair, openCheckpoint, parseJsonBounded, signStatement,
  toBase64, type Manifest,
} from "@agentgov/registry-protocol";

const serverScript = fileURLToPath(new URL("./registry-server-process.js", import.meta.url));

/** A running registry server process. */
export interface BenchRegistry {
  url: string;
  origin: string;
  adminToken: string;
  logKey: Uint8Array;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the registry server process on a new directory `dir`. */
export async function startBenchRegistry(dir: string): Promise<BenchRegistry> {
  const child = spawn(process.execPath, [serverScript, dir], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<void>((done) => { child.once("exit", () => { done(); }); });
  const info = await new Promise<{ url: string; origin: string; adminTokenPath: string }>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined) resolve(JSON.parse(line) as { url: string; origin: string; adminTokenPath: string });
    });
    void exited.then(() => { reject(new Error(`registry server exited: ${err}`)); });
  });
  const adminToken = (await readFile(info.adminTokenPath, "utf8")).trim();
  const root = await (await fetch(`${info.url}/v1/root.json`)).json() as { payload: string };
  const statement = parseJsonBounded(fromBase64(root.payload) ?? new Uint8Array(), { maxBytes: 128 * 1024 }) as {
    keys: Record<string, { publicKey: string }>; roles: { log: { keyids: string[] } };
  };
  const logKey = fromBase64(statement.keys[statement.roles.log.keyids[0] ?? ""]?.publicKey ?? "");
  if (logKey === undefined) throw new Error("root has no log key");
  return {
    ...info, adminToken, logKey, child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A JSON POST; resolves with status and parsed body. */
export async function post(url: string, path: string, body: unknown, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}${path}`, {
    method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : JSON.parse(text) as unknown };
}

/** A publisher with a bound key (the key a CI job would hold in `AGENTGOV_SIGNING_KEY`: no KDF). */
export interface BenchPublisher {
  id: string;
  secretKey: Uint8Array;
  token: string;
}

/** Creates publisher `id`, a `keys` + `publish:@id/*` token and binds a fresh key. */
export async function onboard(reg: BenchRegistry, id: string): Promise<BenchPublisher> {
  const made = await post(reg.url, "/v1/admin/publishers", { id }, reg.adminToken);
  if (made.status !== 201) throw new Error(`publisher: ${JSON.stringify(made.body)}`);
  const issued = await post(reg.url, "/v1/admin/tokens", { publisher: id, scopes: ["keys", `publish:@${id}/*`], ttlSeconds: 86_400 }, reg.adminToken);
  if (issued.status !== 201) throw new Error(`token: ${JSON.stringify(issued.body)}`);
  const token = (issued.body as { token: string }).token;
  const key = generateKeyPair();
  const binding = signStatement("key-binding", {
    _type: "agentgov/key-binding/v1", registry: reg.origin, publisher: id, publicKey: toBase64(key.publicKey),
    issuedAt: formatRfc3339Seconds(Math.floor(Date.now() / 1000)),
  }, [key.secretKey]);
  const bound = await post(reg.url, `/v1/publishers/${id}/keys`, binding, token);
  if (bound.status !== 201) throw new Error(`bind: ${JSON.stringify(bound.body)}`);
  return { id, secretKey: key.secretKey, token };
}

/** A packed, not yet signed plugin on disk. */
export interface PackedPlugin {
  manifest: Manifest;
  tarballPath: string;
}

/** Packs `name@version` with a `payload` data file (random bytes: incompressible) into `root/<n>`. */
export async function packBenchPlugin(root: string, n: number, name: string, version: string, publisher: string, payload: Uint8Array): Promise<PackedPlugin> {
  const src = join(root, `src-${String(n)}`);
  await mkdir(join(src, "lib"), { recursive: true });
  await mkdir(join(src, "data"), { recursive: true });
  await writeFile(join(src, "agentgov-plugin.yaml"), [
    `name: "${name}"`, `version: "${version}"`, `publisher: ${publisher}`, "description: publish benchmark plugin", "license: MIT",
    "entry:", "  kind: tool", "  main: lib/index.js",
    "capabilities:", "  network:", "    hosts: []", "  fs:", "    read: []", "    write: []", "  exec: []", "  env: []", "  tools: []", "",
  ].join("\n"));
  await writeFile(join(src, "lib/index.js"), `export const n = ${String(n)};\n`);
  await writeFile(join(src, "data/payload.bin"), payload);
  const packed = await pack(src, { outDir: join(root, `out-${String(n)}`), createdAt: "2026-11-21T05:00:00Z" });
  return { manifest: packed.manifest, tarballPath: packed.tarballPath };
}

/** A receipt as the server returns it. */
interface Receipt {
  logIndex: number;
  entry: { kind: string; name: string; version: string; sha512: string };
  inclusionProof: { leafIndex: number; treeSize: number; hashes: string[] };
  checkpoint: string;
}

/** Timings of one publish, ms. */
export interface PublishTiming {
  signMs: number;
  uploadMs: number;
  verifyMs: number;
  totalMs: number;
}

/** Signs (client `sign`), uploads and verifies the receipt of one packed plugin; throws unless all of it succeeds. */
export async function publishAndVerify(reg: BenchRegistry, publisher: BenchPublisher, plugin: PackedPlugin): Promise<PublishTiming> {
  const t0 = performance.now();
  const signed = await sign(plugin.tarballPath, [publisher.secretKey]);
  const tarball = await readFile(plugin.tarballPath);
  const t1 = performance.now();
  const res = await post(reg.url, `/v1/packages/${plugin.manifest.name}/${plugin.manifest.version}`, { envelope: signed.envelope, tarball: tarball.toString("base64") }, publisher.token);
  const t2 = performance.now();
  if (res.status !== 201) throw new Error(`publish ${plugin.manifest.version}: HTTP ${String(res.status)} ${JSON.stringify(res.body)}`);
  verifyReceipt(reg, res.body as Receipt, plugin.manifest);
  const t3 = performance.now();
  return { signMs: t1 - t0, uploadMs: t2 - t1, verifyMs: t3 - t2, totalMs: t3 - t0 };
}

/**
 * The user's path: client `sign`, then the client's `publish()` — a verified session (root
 * chain, checkpoint, consistency with this home's last one), upload, receipt verified against a
 * consistent checkpoint, state committed in `home`.
 */
export async function publishWithClient(reg: BenchRegistry, publisher: BenchPublisher, plugin: PackedPlugin, home: string): Promise<PublishTiming> {
  const t0 = performance.now();
  const signed = await sign(plugin.tarballPath, [publisher.secretKey]);
  const t1 = performance.now();
  const result = await publish(plugin.tarballPath, signed.envelope, { registry: reg.url, token: publisher.token, home });
  const t2 = performance.now();
  if (result.sha512 !== plugin.manifest.artifact.sha512 || result.version !== plugin.manifest.version) throw new Error("client publish reported another artifact");
  return { signMs: t1 - t0, uploadMs: t2 - t1, verifyMs: 0, totalMs: t2 - t0 };
}

/** The receipt names this publish and is proven in a checkpoint signed by the log key. */
export function verifyReceipt(reg: BenchRegistry, receipt: Receipt, manifest: Manifest): void {
  const { entry } = receipt;
  if (entry.kind !== "publish" || entry.name !== manifest.name || entry.version !== manifest.version || entry.sha512 !== manifest.artifact.sha512) {
    throw new Error(`receipt entry does not match ${manifest.name}@${manifest.version}`);
  }
  const checkpoint = openCheckpoint(receipt.checkpoint, { origin: reg.origin, publicKey: reg.logKey });
  const proof = receipt.inclusionProof;
  if (proof.leafIndex !== receipt.logIndex || proof.treeSize !== checkpoint.size) throw new Error("receipt proof is for another leaf or tree");
  const hashes = proof.hashes.map((h) => fromBase64(h) ?? new Uint8Array());
  assertInclusion(entryLeafHash(entry), { leafIndex: proof.leafIndex, treeSize: proof.treeSize, hashes }, checkpoint.rootHash);
}
