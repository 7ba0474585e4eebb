import { createHash } from "node:crypto";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RegistryError, capabilitiesSha256, generateKeyPair, signStatement, toBase64, toHex, type Capabilities } from "@agentgov/registry-protocol";
import { installLocal, loadInstalledPlugin, pluginFolderName } from "./install.js";
import { installTrusted } from "./install-trusted.js";
import { verifyInstalled } from "./verify-installed.js";
import { defaultTrustStore, loadTrustStore, saveTrustStore } from "../trust/trust-store.js";
import { addTrustedKey, pinTofu, setPolicy } from "../trust/trust-edit.js";
import { agentgovHome } from "../util/home.js";

const key = generateKeyPair();
const caps: Capabilities = { network: { hosts: ["api.example.com"] }, fs: { read: [], write: [] }, exec: [], env: [], tools: [] };
let dir: string;
let home: string;
let project: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "install-"));
  home = join(dir, "home");
  project = join(dir, "project");
  await mkdir(project);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  const open = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      if ((await lstat(join(d, name))).isDirectory()) { await chmod(join(d, name), 0o755); await open(join(d, name)); }
    }
  };
  await open(dir);
  await rm(dir, { recursive: true, force: true });
});

/** Packs `package/index.js` with node-tar and signs a manifest for it. */
async function plugin(version = "1.0.0", content = "export {};\n", label = version): Promise<{ tgz: string; env: string }> {
  const src = join(dir, `src-${label}`);
  await mkdir(join(src, "package"), { recursive: true });
  await writeFile(join(src, "package/index.js"), content, { mode: 0o644 });
  const tgz = join(dir, `demo-${label}.tgz`);
  await create({ gzip: true, portable: true, cwd: src, file: tgz, noMtime: true }, ["package"]);
  const bytes = await readFile(tgz);
  const sha512 = createHash("sha512").update(bytes).digest();
  const manifest = {
    _type: "agentgov/manifest/v1", name: "demo", version, publisher: "acme",
    artifact: { filename: `demo-${version}.tgz`, size: bytes.length, sha512: toHex(sha512), integrity: `sha512-${toBase64(sha512)}` },
    files: [{ path: "package/index.js", size: Buffer.byteLength(content), sha256: createHash("sha256").update(content).digest("hex"), exec: false }],
    entry: { kind: "tool", main: "package/index.js" }, capabilities: caps, createdAt: "2026-11-21T05:00:00Z",
  };
  const env = join(dir, `demo-${label}.agentsig.json`);
  await writeFile(env, JSON.stringify(signStatement("manifest", manifest, [key.secretKey])));
  return { tgz, env };
}

const trust = () => ({ trustedKeys: [key.publicKey], home, projectDir: project });

describe("installLocal", () => {
  it("installs into an immutable versioned folder, writes the lockfile last, and loads the grant", async () => {
    const p = await plugin();
    const result = await installLocal(p.tgz, p.env, { ...trust(), yesCapabilities: capabilitiesSha256(caps) });
    expect(result.dir).toBe(join(home, "plugins", "demo@1.0.0"));
    expect((await lstat(result.dir)).mode & 0o777).toBe(0o555);
    expect((await lstat(join(result.dir, "package/index.js"))).mode & 0o777).toBe(0o444);
    expect(JSON.parse(await readFile(join(result.dir, ".agentgov/manifest.json"), "utf8"))).toMatchObject({ name: "demo" });
    const lock = JSON.parse(await readFile(join(project, "agentgov-lock.json"), "utf8")) as { plugins: Record<string, unknown> };
    expect(lock.plugins.demo).toMatchObject({ version: "1.0.0", capabilitiesSha256: capabilitiesSha256(caps), keyids: [key.keyid] });
    const grant = await loadInstalledPlugin("demo", trust());
    expect(grant).toEqual(result.grant);
    expect((await readdir(join(home, "plugins"))).sort()).toEqual(["demo@1.0.0"]);
  });
  it("uses AGENTGOV_HOME when no home is given", async () => {
    vi.stubEnv("AGENTGOV_HOME", home);
    expect(agentgovHome()).toBe(home);
    const p = await plugin();
    const { dir: installed } = await installLocal(p.tgz, p.env, { trustedKeys: [key.publicKey], projectDir: project, confirm: () => Promise.resolve(true) });
    expect(installed.startsWith(home)).toBe(true);
  });
  it("needs consent for new capabilities", async () => {
    const p = await plugin();
    await expect(installLocal(p.tgz, p.env, trust())).rejects.toMatchObject({ code: "REGISTRY_CONSENT_REQUIRED" });
    await expect(installLocal(p.tgz, p.env, { ...trust(), yesCapabilities: "0".repeat(64) })).rejects.toMatchObject({ code: "REGISTRY_CONSENT_REQUIRED" });
    expect(await readdir(join(home, "plugins"))).toEqual([]);
  });
  it("refuses a different manifest for an installed version (REGISTRY_STORE_CORRUPT)", async () => {
    const a = await plugin("1.0.0", "a\n", "a");
    const b = await plugin("1.0.0", "b\n", "b");
    const yes = { ...trust(), yesCapabilities: capabilitiesSha256(caps) };
    await installLocal(a.tgz, a.env, yes);
    await expect(installLocal(b.tgz, b.env, yes)).rejects.toMatchObject({ code: "REGISTRY_STORE_CORRUPT" });
    expect((await installLocal(a.tgz, a.env, yes)).created).toBe(false);
  });
  it("loadInstalledPlugin rejects an unknown plugin and an untrusted key", async () => {
    await expect(loadInstalledPlugin("demo", trust())).rejects.toMatchObject({ code: "REGISTRY_VERSION_UNAVAILABLE" });
    const p = await plugin();
    await installLocal(p.tgz, p.env, { ...trust(), yesCapabilities: capabilitiesSha256(caps) });
    await expect(loadInstalledPlugin("demo", { ...trust(), trustedKeys: [generateKeyPair().publicKey] }))
      .rejects.toMatchObject({ code: "REGISTRY_UNTRUSTED_KEY" });
  });
  it("names scoped folders with + instead of /", () => {
    expect(pluginFolderName("@acme/web-search", "1.4.2")).toBe("@acme+web-search@1.4.2");
  });
});

describe("installTrusted and verifyInstalled (trust store)", () => {
  const yes = (): { home: string; projectDir: string; yesCapabilities: string } => ({ home, projectDir: project, yesCapabilities: capabilitiesSha256(caps) });
  async function tofuStore(): Promise<void> {
    const { store } = addTrustedKey(defaultTrustStore(), key.publicKey, "acme");
    await saveTrustStore(setPolicy(store, "demo", { mode: "tofu" }), home);
  }

  it("pins a TOFU first use before writing the lockfile, and re-verifies the install", async () => {
    await tofuStore();
    const p = await plugin();
    const result = await installTrusted(p.tgz, p.env, yes());
    expect(result).toMatchObject({ created: true, publisher: "acme", trust: { mode: "tofu", firstUse: true } });
    expect((await loadTrustStore(home)).tofu.acme?.keyids).toEqual([key.keyid]);
    const again = await verifyInstalled("demo", { home, projectDir: project });
    expect(again).toMatchObject({ dir: result.dir, grant: result.grant, trust: { mode: "tofu", firstUse: false } });
  });
  it("verifyInstalled fails closed: moved pin, missing envelope, tampered tree, unknown name", async () => {
    await tofuStore();
    const p = await plugin();
    const { dir: installed } = await installTrusted(p.tgz, p.env, yes());
    const moved = pinTofu(await loadTrustStore(home), "acme", [generateKeyPair().keyid]);
    await expect(verifyInstalled("demo", { home, projectDir: project, store: moved })).rejects.toMatchObject({ code: "REGISTRY_KEY_CHANGED" });
    await expect(verifyInstalled("other", { home, projectDir: project })).rejects.toMatchObject({ code: "REGISTRY_VERSION_UNAVAILABLE" });
    await chmod(installed, 0o755);
    await chmod(join(installed, "package"), 0o755);
    await chmod(join(installed, "package/index.js"), 0o644);
    await writeFile(join(installed, "package/index.js"), "evil();\n");
    await expect(verifyInstalled("demo", { home, projectDir: project })).rejects.toMatchObject({ code: "REGISTRY_TREE_MISMATCH" });
    expect((await verifyInstalled("demo", { home, projectDir: project, rehash: false })).grant.version).toBe("1.0.0");
    await chmod(join(installed, ".agentgov"), 0o755);
    await rm(join(installed, ".agentgov/envelope.json"));
    await expect(verifyInstalled("demo", { home, projectDir: project })).rejects.toMatchObject({ code: "REGISTRY_STORE_CORRUPT" });
  });
  it("a failing commit step rejects before the lockfile is written; the lockfile is written after it", async () => {
    const p = await plugin();
    const order: string[] = [];
    await expect(installLocal(p.tgz, p.env, { ...trust(), yesCapabilities: capabilitiesSha256(caps), onCommit: () => Promise.reject(new RegistryError("REGISTRY_KEY_CHANGED", "injected")) }))
      .rejects.toMatchObject({ code: "REGISTRY_KEY_CHANGED", message: "injected" });
    // A disk-full write at commit is a store failure, not a raw errno.
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    await expect(installLocal(p.tgz, p.env, { ...trust(), yesCapabilities: capabilitiesSha256(caps), onCommit: () => Promise.reject(enospc) }))
      .rejects.toMatchObject({ code: "REGISTRY_STORE_CORRUPT", message: "cannot install into the local store: ENOSPC" });
    await expect(readFile(join(project, "agentgov-lock.json"))).rejects.toMatchObject({ code: "ENOENT" });
    expect((await readdir(join(home, "plugins"))).filter((n) => n.startsWith("."))).toEqual([]);
    await installLocal(p.tgz, p.env, {
      ...trust(), yesCapabilities: capabilitiesSha256(caps),
      onCommit: async () => { order.push(await readFile(join(project, "agentgov-lock.json")).then(() => "lockfile first", () => "commit first")); },
    });
    expect(order).toEqual(["commit first"]);
  });
});
