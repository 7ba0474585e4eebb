/**
 * Installing unsigned (npm-published) versions (REGISTRY.md §6.3, §7.2, §7.3, §7.4, issue 5):
 * a real registry on 127.0.0.1 and the real `npm publish`. Without `allowUnsigned` the
 * install is `REGISTRY_UNSIGNED` and writes nothing; with it the tarball is checked against
 * the index's SHA-512, safely extracted, installed with an empty grant (the kernel then denies
 * everything on the plugin's behalf, even under an allow-all policy), marked `unsigned` in the
 * lockfile, with a warning; `loadInstalledPlugin` re-verifies the tree against the lockfile.
 * A tampered stored blob and hostile archives are rejected with nothing written.
 */
import { createHash } from "node:crypto";
import { chmod, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKernel } from "@agentgov/core";
import { installFromRegistry, installUnsigned, loadInstalled, loadInstalledPlugin, verifyInstalled } from "@agentgov/registry-client";
import { emptyGrant, isRegistryError } from "@agentgov/registry-protocol";
import { FsBlobStore, createRegistryServer, initRegistry, registryPaths } from "@agentgov/registry-server";
import { runCli } from "../support/cli.js";
import { expectRejected, rawTar, removeSandbox, sandbox, type RawEntry } from "./fixture.js";
import { npmClient, type NpmClient } from "./npm-client.js";
import { createPublisher, newHome, rejects, startRegistry, type Registry } from "./remote-fixture.js";

let reg: Registry;
let npm: NpmClient;

beforeAll(async () => {
  reg = await startRegistry();
  const acme = await createPublisher(reg, "acme");
  npm = await npmClient(reg.url, acme.token);
  for (const [name, version] of [["@acme/npm-tool", "1.0.0"], ["@acme/npm-tool", "1.1.0"], ["@acme/tampered", "1.0.0"]] as const) {
    const res = await npm.publish(name, version);
    expect(res.code, res.stderr).toBe(0);
  }
}, 180_000);
afterAll(async () => { await reg.close(); });

async function lockEntry(project: string, name: string): Promise<Record<string, unknown>> {
  const lock = JSON.parse(await readFile(join(project, "agentgov-lock.json"), "utf8")) as { plugins: Record<string, Record<string, unknown>> };
  return lock.plugins[name] ?? {};
}

describe("installFromRegistry of an npm-published (unsigned) version", () => {
  it("is refused without allowUnsigned (REGISTRY_UNSIGNED), by range and by exact version, writing nothing", async () => {
    const home = await newHome();
    const project = await newHome();
    await rejects(() => installFromRegistry("@acme/npm-tool", "^1.0.0", { registry: reg.url, home, project }), "REGISTRY_UNSIGNED", [home, project]);
    await rejects(() => installFromRegistry("@acme/npm-tool", "1.0.0", { registry: reg.url, home, project, allowUnsigned: false }), "REGISTRY_UNSIGNED", [home, project]);
  });

  it("installs with allowUnsigned: warning, empty grant, lockfile marked unsigned, immutable folder", async () => {
    const home = await newHome();
    const project = await newHome();
    const warnings: string[] = [];
    const result = await installFromRegistry("@acme/npm-tool", "^1.0.0", {
      registry: reg.url, home, project, allowUnsigned: true, onWarning: (w) => warnings.push(w),
    });
    expect(result).toMatchObject({ name: "@acme/npm-tool", version: "1.1.0", unsigned: true, pinned: false, created: true });
    expect(result.grant).toEqual(emptyGrant("@acme/npm-tool", "1.1.0"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/UNSIGNED.*no publisher signature.*EMPTY grant/);
    expect(result.warnings).toEqual(warnings);

    expect(await readFile(join(result.dir, "package", "index.js"), "utf8")).toContain("@acme/npm-tool@1.1.0");
    expect((await stat(join(result.dir, "package", "index.js"))).mode & 0o777).toBe(0o444);
    expect((await stat(result.dir)).mode & 0o777).toBe(0o555);

    const entry = await lockEntry(project, "@acme/npm-tool");
    expect(entry).toMatchObject({ version: "1.1.0", unsigned: true, keyids: [], capabilitiesSha256: emptyGrant("x", "1.0.0").capabilitiesSha256 });
    expect(entry.manifestSha256).toBeUndefined();
    const packument = (await (await fetch(`${reg.url}/@acme%2fnpm-tool`)).json()) as { versions: Record<string, { dist: { integrity: string } }> };
    const integrity = packument.versions["1.1.0"]?.dist.integrity ?? "";
    expect(entry.sha512).toBe(Buffer.from(integrity.slice("sha512-".length), "base64").toString("hex"));

    // Loading re-verifies against the lockfile and yields the empty grant.
    const loaded = await loadInstalled("@acme/npm-tool", { home, projectDir: project, trustedKeys: [] });
    expect(loaded).toEqual({ grant: emptyGrant("@acme/npm-tool", "1.1.0"), unsigned: true, dir: result.dir });
    expect(await loadInstalledPlugin("@acme/npm-tool", { home, projectDir: project, trustedKeys: [] })).toEqual(loaded.grant);

    // A second install of the same version keeps the folder.
    const again = await installFromRegistry("@acme/npm-tool", "1.1.0", { registry: reg.url, home, project, allowUnsigned: true });
    expect(again).toMatchObject({ created: false, unsigned: true, dir: result.dir });
  });

  it("the empty grant lets the kernel allow nothing on the plugin's behalf, even under an allow-all policy", async () => {
    const home = await newHome();
    const project = await newHome();
    await installFromRegistry("@acme/npm-tool", "1.0.0", { registry: reg.url, home, project, allowUnsigned: true });
    const grant = await loadInstalledPlugin("@acme/npm-tool", { home, projectDir: project, trustedKeys: [] });
    const kernel = createKernel({ policies: [{ apiVersion: "agentgov/v1", name: "open", default_action: "allow" }], pluginRoots: { WORKSPACE: project } });
    const onBehalf = (resource: unknown): unknown => kernel.decide({ agent: "a", context: { plugin: grant, resource } });
    expect(onBehalf({ kind: "network", host: "example.com" })).toMatchObject({ allowed: false, code: "capability_exceeded" });
    expect(onBehalf({ kind: "fs", access: "read", path: join(project, "secret") })).toMatchObject({ allowed: false, code: "capability_exceeded" });
    expect(onBehalf({ kind: "exec", command: "git" })).toMatchObject({ allowed: false, code: "capability_exceeded" });
    expect(onBehalf({ kind: "env", name: "HOME" })).toMatchObject({ allowed: false, code: "capability_exceeded" });
  });

  it("loading re-verifies the tree: a changed file is REGISTRY_TREE_MISMATCH, a changed lockfile digest REGISTRY_DIGEST_MISMATCH", async () => {
    const home = await newHome();
    const project = await newHome();
    const result = await installFromRegistry("@acme/npm-tool", "1.0.0", { registry: reg.url, home, project, allowUnsigned: true });
    const load = (): Promise<unknown> => loadInstalledPlugin("@acme/npm-tool", { home, projectDir: project, trustedKeys: [] });

    const lockPath = join(project, "agentgov-lock.json");
    const lockText = await readFile(lockPath, "utf8");
    const lock = JSON.parse(lockText) as { plugins: Record<string, { treeSha256: string }> };
    const locked = lock.plugins["@acme/npm-tool"];
    if (locked === undefined) throw new Error("not locked");
    locked.treeSha256 = "0".repeat(64);
    await writeFile(lockPath, JSON.stringify(lock));
    await expect(load()).rejects.toMatchObject({ code: "REGISTRY_DIGEST_MISMATCH" });
    await writeFile(lockPath, lockText);
    await expect(load()).resolves.toMatchObject({ keyids: [] });
    // `plugin verify --installed`: the tree checks out, but there is no signature to verify.
    await expect(verifyInstalled("@acme/npm-tool", { home, projectDir: project })).rejects.toMatchObject({ code: "REGISTRY_UNSIGNED" });

    const file = join(result.dir, "package", "index.js");
    await chmod(join(result.dir, "package"), 0o755);
    await chmod(file, 0o644);
    await writeFile(file, "module.exports = 'swapped';\n");
    await expect(load()).rejects.toMatchObject({ code: "REGISTRY_TREE_MISMATCH" });
    await expect(verifyInstalled("@acme/npm-tool", { home, projectDir: project })).rejects.toMatchObject({ code: "REGISTRY_TREE_MISMATCH" });
    // The rehash is what catches it.
    await expect(loadInstalledPlugin("@acme/npm-tool", { home, projectDir: project, trustedKeys: [], rehash: false })).resolves.toMatchObject({ keyids: [] });
    await chmod(join(result.dir, "package"), 0o555);
  });

  it("a tampered stored blob is REGISTRY_DIGEST_MISMATCH and writes nothing", async () => {
    const packument = (await (await fetch(`${reg.url}/@acme%2ftampered`)).json()) as { versions: Record<string, { dist: { integrity: string } }> };
    const hex = Buffer.from((packument.versions["1.0.0"]?.dist.integrity ?? "").slice("sha512-".length), "base64").toString("hex");
    const file = new FsBlobStore(registryPaths(reg.dir).blobs).pathOf(hex).file;
    const bytes = await readFile(file);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
    await chmod(file, 0o644);
    await writeFile(file, bytes);
    const home = await newHome();
    const project = await newHome();
    await rejects(() => installFromRegistry("@acme/tampered", "1.0.0", { registry: reg.url, home, project, allowUnsigned: true }), "REGISTRY_DIGEST_MISMATCH", [home, project]);
  });
});

describe("agentgov plugin install --allow-unsigned (built CLI)", () => {
  it("exits 1 with REGISTRY_UNSIGNED without the flag, and installs with it, warning on stderr", async () => {
    const home = await newHome();
    const project = await newHome();
    const env = { AGENTGOV_HOME: home, AGENTGOV_REGISTRY: reg.url };
    const refused = await runCli(["plugin", "install", "@acme/npm-tool@^1.0.0"], { cwd: project, env, timeoutMs: 30_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^REGISTRY_UNSIGNED: /);
    await expect(readFile(join(project, "agentgov-lock.json"))).rejects.toMatchObject({ code: "ENOENT" });

    const installed = await runCli(["plugin", "install", "@acme/npm-tool@^1.0.0", "--allow-unsigned", "--json"], { cwd: project, env, timeoutMs: 30_000 });
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).toMatch(/warning .*UNSIGNED/);
    expect(JSON.parse(installed.stdout)).toMatchObject({ ok: true, name: "@acme/npm-tool", version: "1.1.0", unsigned: true, keyids: [] });
    expect(await lockEntry(project, "@acme/npm-tool")).toMatchObject({ unsigned: true });
  });
});

describe("hostile npm tarballs go through the same safe extraction", () => {
  it("a registry with looser archive limits than the client's: the client's §9 limits still reject, writing nothing", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "agentgov-reg-")), "registry");
    const init = await initRegistry(dir, { publicUrl: "http://registry.test" });
    const server = await createRegistryServer({ dir, port: 0, limits: { pathDepth: 64 } });
    try {
      const adminToken = (await readFile(init.adminTokenPath, "utf8")).trim();
      const acme = await createPublisher({ dir, url: server.url, server, adminToken, close: () => server.close() }, "acme");
      const deep = `${Array.from({ length: 40 }, (_, i) => `d${String(i)}`).join("/")}/deep.js`;
      const client = await npmClient(server.url, acme.token);
      const res = await client.publish("@acme/deep", "1.0.0", { "index.js": "module.exports = 1;\n", [deep]: "module.exports = 2;\n" });
      expect(res.code, res.stderr).toBe(0);
      const home = await newHome();
      const project = await newHome();
      const error = await installFromRegistry("@acme/deep", "1.0.0", { registry: server.url, home, project, allowUnsigned: true }).then(() => undefined, (e: unknown) => e);
      expect(isRegistryError(error) ? error.code : error).toMatch(/^REGISTRY_ARCHIVE_(UNSAFE|LIMIT)$/);
      await rejects(() => installFromRegistry("@acme/deep", "1.0.0", { registry: server.url, home, project, allowUnsigned: true }), isRegistryError(error) ? error.code : "", [home, project]);
    } finally {
      await server.close();
    }
  }, 120_000);

  const sha512 = (bytes: Buffer): string => createHash("sha512").update(bytes).digest("hex");
  const hostile: [string, RawEntry[]][] = [
    ["a path traversal entry", [{ path: "package/", flag: "5" }, { path: "package/../../evil.js", data: Buffer.from("x") }]],
    ["an absolute path", [{ path: "/tmp/agentgov-evil.js", data: Buffer.from("x") }]],
    ["a symlink", [{ path: "package/", flag: "5" }, { path: "package/link", flag: "2", linkname: "/etc/passwd" }]],
    ["a hard link", [{ path: "package/", flag: "5" }, { path: "package/a.js", data: Buffer.from("x") }, { path: "package/b.js", flag: "1", linkname: "package/a.js" }]],
    ["a setuid file", [{ path: "package/", flag: "5" }, { path: "package/run", data: Buffer.from("x"), mode: 0o4755 }]],
    ["a duplicate entry", [{ path: "package/", flag: "5" }, { path: "package/a.js", data: Buffer.from("1") }, { path: "package/a.js", data: Buffer.from("2") }]],
  ];
  for (const [what, entries] of hostile) {
    it(`installUnsigned rejects ${what} (digest matching: a registry that indexed it), writing nothing outside staging`, async () => {
      const box = await sandbox();
      try {
        const tgz = gzipSync(rawTar(entries));
        const file = join(box.src, "hostile.tgz");
        await writeFile(file, tgz);
        await expectRejected(box, () => installUnsigned(file, {
          name: "@acme/hostile", version: "1.0.0", sha512: sha512(tgz), size: tgz.length, home: box.home, projectDir: box.project,
        }), ["REGISTRY_ARCHIVE_UNSAFE", "REGISTRY_ARCHIVE_LIMIT"]);
      } finally {
        await removeSandbox(box);
      }
    });
  }

  it("installUnsigned rejects bytes that differ from the indexed SHA-512 or size (REGISTRY_DIGEST_MISMATCH)", async () => {
    const box = await sandbox();
    try {
      const tgz = gzipSync(rawTar([{ path: "package/", flag: "5" }, { path: "package/a.js", data: Buffer.from("1") }]));
      const file = join(box.src, "a.tgz");
      await writeFile(file, tgz);
      const base = { name: "@acme/a", version: "1.0.0", home: box.home, projectDir: box.project };
      await expectRejected(box, () => installUnsigned(file, { ...base, sha512: "ab".repeat(64), size: tgz.length }), "REGISTRY_DIGEST_MISMATCH");
      await expectRejected(box, () => installUnsigned(file, { ...base, sha512: sha512(tgz), size: tgz.length - 1 }), "REGISTRY_DIGEST_MISMATCH");
      const ok = await installUnsigned(file, { ...base, sha512: sha512(tgz), size: tgz.length });
      expect(ok).toMatchObject({ created: true, unsigned: true, grant: emptyGrant("@acme/a", "1.0.0") });
    } finally {
      await removeSandbox(box);
    }
  });
});
