/**
 * The built `agentgov` binary against a real registry on 127.0.0.1 (REGISTRY.md §8):
 * `plugin publish`, `plugin install <name>@<range>`, `plugin yank`, `plugin revoke
 * --compromised-since`, `plugin audit [--monitor]`, with exit codes 0/1/2 and `--json`.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64 } from "@agentgov/registry-protocol";
import { runCli } from "../support/cli.js";
import { CONSENT, call, createPublisher, newHome, packPlugin, publishPlugin, startRegistry, type Publisher, type Registry } from "./remote-fixture.js";

let reg: Registry;
let acme: Publisher;

beforeAll(async () => {
  reg = await startRegistry();
  acme = await createPublisher(reg, "acme");
});
afterAll(async () => { await reg.close(); });

function publisherEnv(): NodeJS.ProcessEnv {
  return {
    AGENTGOV_HOME: acme.home, AGENTGOV_REGISTRY: reg.url, AGENTGOV_REGISTRY_TOKEN: acme.token,
    AGENTGOV_SIGNING_KEY: `agentgov-ed25519-sk:${toBase64(acme.secretKey)}`,
  };
}

async function cliPublish(name: string, version: string): Promise<number> {
  const files = await packPlugin(name, version, "acme", [acme.secretKey]);
  const res = await runCli(["plugin", "publish", files.tarball, "--json"], { env: publisherEnv(), timeoutMs: 30_000 });
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  return (JSON.parse(res.stdout) as { logIndex: number }).logIndex;
}

describe("agentgov plugin publish / install / yank / revoke / audit", () => {
  // These run before the round trip, which revokes acme's key.
  it("installs with --frozen-lockfile exactly what the lockfile records, and refuses a change (exit 1)", async () => {
    await cliPublish("@acme/cli-frozen", "1.0.0");
    const project = await newHome();
    const first = await runCli(["plugin", "install", "@acme/cli-frozen@^1.0.0", `--yes-capabilities=${CONSENT}`], { cwd: project, env: { AGENTGOV_HOME: await newHome(), AGENTGOV_REGISTRY: reg.url }, timeoutMs: 30_000 });
    expect(first.code).toBe(0);
    const lock = await readFile(join(project, "agentgov-lock.json"), "utf8");
    await cliPublish("@acme/cli-frozen", "1.1.0");
    const env = { AGENTGOV_HOME: await newHome(), AGENTGOV_REGISTRY: reg.url };
    const all = await runCli(["plugin", "install", "--frozen-lockfile", "--json"], { cwd: project, env, timeoutMs: 30_000 });
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({ ok: true, installed: [{ name: "@acme/cli-frozen", version: "1.0.0" }] });
    expect(await readFile(join(project, "agentgov-lock.json"), "utf8")).toBe(lock);
    const moved = await runCli(["plugin", "install", "@acme/cli-frozen@1.1.0", "--frozen-lockfile"], { cwd: project, env, timeoutMs: 30_000 });
    expect(moved.code).toBe(1);
    expect(moved.stderr).toMatch(/^REGISTRY_VERSION_UNAVAILABLE: /);
    expect(await readFile(join(project, "agentgov-lock.json"), "utf8")).toBe(lock);
    expect((await runCli(["plugin", "install", "a.tgz", "a.agentsig.json", "--frozen-lockfile"], { cwd: project, env })).code).toBe(2);
  });

  it("pins a registry's root 1 with trust registry --root-sha256; another root is refused (exit 1)", async () => {
    await cliPublish("@acme/cli-rooted", "1.0.0");
    const tofuHome = await newHome();
    const tofu = await runCli(["plugin", "install", "@acme/cli-rooted@1.0.0", `--yes-capabilities=${CONSENT}`], { cwd: await newHome(), env: { AGENTGOV_HOME: tofuHome, AGENTGOV_REGISTRY: reg.url }, timeoutMs: 30_000 });
    expect(tofu.code).toBe(0);
    const root = (JSON.parse(await readFile(join(tofuHome, "trust.json"), "utf8")) as { registries: Record<string, { rootSha256: string }> }).registries[reg.url]?.rootSha256 ?? "";
    expect(root).toMatch(/^[0-9a-f]{64}$/);

    const good = { AGENTGOV_HOME: await newHome(), AGENTGOV_REGISTRY: reg.url };
    const pin = await runCli(["plugin", "trust", "registry", `${reg.url}/`, "--root-sha256", root, "--json"], { env: good });
    expect(pin.code).toBe(0);
    expect(JSON.parse(pin.stdout)).toMatchObject({ ok: true, registry: reg.url, rootSha256: root });
    expect((await runCli(["plugin", "install", "@acme/cli-rooted@1.0.0", `--yes-capabilities=${CONSENT}`], { cwd: await newHome(), env: good, timeoutMs: 30_000 })).code).toBe(0);

    const bad = { AGENTGOV_HOME: await newHome(), AGENTGOV_REGISTRY: reg.url };
    expect((await runCli(["plugin", "trust", "registry", reg.url, "--root-sha256", "ab".repeat(32)], { env: bad })).code).toBe(0);
    const refused = await runCli(["plugin", "install", "@acme/cli-rooted@1.0.0", `--yes-capabilities=${CONSENT}`], { cwd: await newHome(), env: bad, timeoutMs: 30_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^REGISTRY_UNTRUSTED_KEY: /);
    expect((await runCli(["plugin", "trust", "registry", reg.url, "--root-sha256", "XYZ"], { env: bad })).code).toBe(2);
    expect((await runCli(["plugin", "trust", "registry", "ftp://x", "--root-sha256", root], { env: bad })).code).toBe(2);
  });

  it("round-trips through the registry with the spec's exit codes", async () => {
    await cliPublish("@acme/cli-tool", "1.0.0");
    await cliPublish("@acme/cli-tool", "1.1.0");
    const home = await newHome();
    const project = await newHome();
    const userEnv = { AGENTGOV_HOME: home, AGENTGOV_REGISTRY: reg.url };

    const install = await runCli(["plugin", "install", "@acme/cli-tool@^1.0.0", `--yes-capabilities=${CONSENT}`, "--json"], { cwd: project, env: userEnv, timeoutMs: 30_000 });
    expect(install.code).toBe(0);
    expect(JSON.parse(install.stdout)).toMatchObject({ ok: true, name: "@acme/cli-tool", version: "1.1.0", pinned: true });

    const yank = await runCli(["plugin", "yank", "@acme/cli-tool@1.1.0", "--json"], { env: publisherEnv(), timeoutMs: 30_000 });
    expect(yank.code).toBe(0);
    const other = await newHome();
    const ranged = await runCli(["plugin", "install", "@acme/cli-tool@^1.0.0", `--yes-capabilities=${CONSENT}`, "--json"], { cwd: other, env: userEnv, timeoutMs: 30_000 });
    expect(JSON.parse(ranged.stdout)).toMatchObject({ version: "1.0.0" });

    const late = await cliPublish("@acme/cli-tool", "1.2.0");
    const revoke = await runCli(["plugin", "revoke", acme.keyid, "--publisher", "acme", "--compromised-since", String(late), "--json"], { env: publisherEnv(), timeoutMs: 30_000 });
    expect(revoke.code).toBe(0);
    const refused = await runCli(["plugin", "install", "@acme/cli-tool@1.2.0", `--yes-capabilities=${CONSENT}`], { cwd: project, env: userEnv, timeoutMs: 30_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^REGISTRY_KEY_REVOKED: /);

    // The audit of the user's project flags nothing for 1.1.0 (logged before the boundary)...
    const clean = await runCli(["plugin", "audit", "--publisher", "acme", "--own-key", acme.keyid, "--json"], { cwd: other, env: userEnv, timeoutMs: 30_000 });
    expect(clean.code).toBe(0);
    // ...but a watcher that does not own the key sees foreign publishes; --monitor stops at the first finding.
    const watcher = await newHome();
    const foreign = await runCli(["plugin", "audit", "--publisher", "acme", "--monitor", "--polls", "2", "--interval", "1"], { env: { AGENTGOV_HOME: watcher, AGENTGOV_REGISTRY: reg.url }, timeoutMs: 30_000 });
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toMatch(/foreign-entry log entry \d+: publish @acme\/cli-tool@1\.0\.0/);
  });

  it("keygen --register binds the new key to a publisher with no key yet; a refused binding leaves no key behind", async () => {
    const made = await call(reg.url, "POST", "/v1/admin/publishers", { id: "fresh" }, reg.adminToken);
    expect(made.status, made.text).toBe(201);
    const tok = await call(reg.url, "POST", "/v1/admin/tokens", { publisher: "fresh", scopes: ["keys", "publish:@fresh/*"], ttlSeconds: 3600 }, reg.adminToken);
    const token = (JSON.parse(tok.text) as { token: string }).token;
    const home = await newHome();
    const env = { AGENTGOV_HOME: home, AGENTGOV_KEY_PASSPHRASE: "correct horse battery staple", AGENTGOV_REGISTRY_TOKEN: token };
    const first = await runCli(["plugin", "keygen", "--register", reg.url, "--publisher", "fresh", "--json"], { env, timeoutMs: 30_000 });
    expect(first.stderr).toBe("");
    expect(first.code, first.stdout).toBe(0);
    const out = JSON.parse(first.stdout) as { keyid: string; registered: { publisher: string; logIndex: number } };
    expect(out.registered).toMatchObject({ publisher: "fresh", registry: reg.url });
    const index = await call(reg.url, "GET", `/v1/log/entries?start=${String(out.registered.logIndex)}&end=${String(out.registered.logIndex + 1)}`);
    expect(index.text).toContain(out.keyid);
    // A second first key is refused by the registry: exit 1, and the unbound key is removed.
    const second = await runCli(["plugin", "keygen", "--name", "second", "--register", reg.url, "--publisher", "fresh", "--json"], { env, timeoutMs: 30_000 });
    expect(second.code, second.stdout + second.stderr).toBe(1);
    await expect(readFile(join(home, "keys", "second.key.json"))).rejects.toMatchObject({ code: "ENOENT" });
    expect((await runCli(["plugin", "keygen", "--name", "third", "--register", reg.url], { env })).code).toBe(2);
  });

  it("yank --block (admin key and token) makes a version uninstallable; a publisher cannot block (exit 1)", async () => {
    const blk = await createPublisher(reg, "blk");
    await publishPlugin(reg, blk, "@blk/tool", "1.0.0");
    const adminKey = (await readFile(join(reg.dir, "keys", "admin.key"), "utf8")).trim();
    const asPublisher = await runCli(["plugin", "yank", "@blk/tool@1.0.0", "--block", "--registry", reg.url, "--token", blk.token], {
      env: { AGENTGOV_HOME: blk.home, AGENTGOV_SIGNING_KEY: `agentgov-ed25519-sk:${toBase64(blk.secretKey)}` }, timeoutMs: 30_000,
    });
    expect(asPublisher.code).toBe(1);
    const blocked = await runCli(["plugin", "yank", "@blk/tool@1.0.0", "--block", "--reason", "malware", "--registry", reg.url, "--token", reg.adminToken, "--json"], {
      env: { AGENTGOV_HOME: await newHome(), AGENTGOV_SIGNING_KEY: adminKey }, timeoutMs: 30_000,
    });
    expect(blocked.stderr).toBe("");
    expect(JSON.parse(blocked.stdout)).toMatchObject({ ok: true, blocked: true, name: "@blk/tool", version: "1.0.0" });
    const refused = await runCli(["plugin", "install", "@blk/tool@1.0.0", `--yes-capabilities=${CONSENT}`], { cwd: await newHome(), env: { AGENTGOV_HOME: await newHome(), AGENTGOV_REGISTRY: reg.url }, timeoutMs: 30_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^REGISTRY_VERSION_UNAVAILABLE: /);
    expect((await runCli(["plugin", "yank", "@blk/tool@1.0.0", "--purge", "--registry", reg.url, "--token", "x"], { env: { AGENTGOV_HOME: await newHome() } })).code).toBe(2);
  });

  it("answers usage errors with exit 2 and rejections with exit 1", async () => {
    const home = await newHome();
    expect((await runCli(["plugin", "install", "@acme/cli-tool@^1.0.0"], { env: { AGENTGOV_HOME: home, AGENTGOV_REGISTRY: "" } })).code).toBe(2);
    expect((await runCli(["plugin", "publish"], { env: { AGENTGOV_HOME: home } })).code).toBe(2);
    expect((await runCli(["plugin", "revoke", "not-a-key", "--registry", reg.url, "--token", "x", "--publisher", "acme"], { env: { AGENTGOV_HOME: home } })).code).toBe(2);
    const files = await packPlugin("@acme/cli-denied", "1.0.0", "acme", [acme.secretKey]);
    const denied = await runCli(["plugin", "publish", files.tarball, "--registry", reg.url, "--token", "agr_wrong", "--json"], { env: { AGENTGOV_HOME: home }, timeoutMs: 30_000 });
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.stdout)).toMatchObject({ ok: false, code: "REGISTRY_AUTH" });
  });
});
