/**
 * The built `agentgov` binary against a real registry on 127.0.0.1 (REGISTRY.md §8):
 * `plugin publish`, `plugin install <name>@<range>`, `plugin yank`, `plugin revoke
 * --compromised-since`, `plugin audit [--monitor]`, with exit codes 0/1/2 and `--json`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64 } from "@agentgov/registry-protocol";
import { runCli } from "../support/cli.js";
import { CONSENT, createPublisher, newHome, packPlugin, startRegistry, type Publisher, type Registry } from "./remote-fixture.js";

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
