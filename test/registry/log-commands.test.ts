/**
 * `agentgov registry log checkpoint|entries|prove|verify` and `registry serve` against a real
 * CLI-started registry, with a tampering HTTP proxy in front of it for fault injection: every
 * way the log can lie (wrong root, forged checkpoint signature, edited entry, rolled-back or
 * inconsistent checkpoint, unreachable registry) ends in exit 1 with its named code.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTrustStore, saveTrustStore } from "@agentgov/registry-client";
import { runCli } from "../support/cli.js";
import {
  createPublisher, packPlugin, publish, registryLog, startRegistryProcess, tempHome, type Publisher, type RegistryProcess,
} from "./registry-process.js";

type Tamper = (path: string, body: Buffer) => Buffer;

let home: string;
let proc: RegistryProcess;
let acme: Publisher;
let proxy: Server;
let proxyUrl: string;
let tamper: Tamper | undefined;

beforeAll(async () => {
  home = await tempHome();
  proc = await startRegistryProcess(home, ["--init", "--port", "0"]);
  acme = await createPublisher(proc.info, "acme");
  expect((await publish(proc.info.url, await packPlugin("@acme/logged", "1.0.0", acme), acme.token)).status).toBe(201);
  proxy = createServer((req, res) => {
    void (async () => {
      const upstream = await fetch(`${proc.info.url}${req.url ?? "/"}`);
      let body: Buffer = Buffer.from(await upstream.arrayBuffer());
      if (tamper !== undefined) body = tamper(req.url ?? "/", body);
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/octet-stream" });
      res.end(body);
    })().catch(() => { res.writeHead(502).end(); });
  });
  await new Promise<void>((done) => { proxy.listen(0, "127.0.0.1", done); });
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await new Promise<void>((done) => { proxy.close(() => { done(); }); });
  proc.child.kill("SIGTERM");
  await proc.exited;
});

/** A fresh client home (no pins, no stored checkpoint) and the log command against the proxy. */
async function client(): Promise<(args: string[]) => ReturnType<typeof registryLog>> {
  const clientHome = await tempHome();
  return (args) => registryLog(clientHome, proxyUrl, args);
}

function replaceIn(path: string, match: string, from: RegExp, to: string): Tamper {
  return (p, body) => (p.startsWith(match) ? Buffer.from(body.toString("utf8").replace(from, to)) : body);
}

describe("registry log (honest registry)", { timeout: 90_000 }, () => {
  it("checkpoint, entries, prove and verify succeed and agree", async () => {
    tamper = undefined;
    const log = await client();
    const cp = await log(["checkpoint", "--json"]);
    expect(cp.code, cp.stderr).toBe(0);
    const checkpoint = JSON.parse(cp.stdout) as { size: number; root1Sha256: string; note: string; firstUse: boolean };
    expect(checkpoint.size).toBe(2);
    expect(checkpoint.root1Sha256).toBe(proc.info.root1Sha256);
    expect(checkpoint.firstUse).toBe(true);
    expect(checkpoint.note).toMatch(/^127\.0\.0\.1:4873\/log\n2\n/);
    const entries = await log(["entries"]);
    expect(entries.code, entries.stderr).toBe(0);
    expect(entries.stdout.trim().split("\n")).toHaveLength(2);
    expect(entries.stdout).toContain("publish @acme/logged@1.0.0 publisher acme");
    const paged = await log(["entries", "--start", "1", "--limit", "5", "--json"]);
    expect((JSON.parse(paged.stdout) as { entries: { index: number; kind: string }[] }).entries).toEqual([expect.objectContaining({ index: 1, kind: "publish" })]);
    const proved = await log(["prove", "1"]);
    expect(proved.code, proved.stderr).toBe(0);
    expect(proved.stdout).toContain("entry 1 is included in checkpoint 2");
    const verified = await log(["verify"]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain("log verified: 2 entries");
    expect(verified.stdout).toContain(`root 1 sha256 ${proc.info.root1Sha256} (pinned)`);
    const pinned = await runCli(["registry", "log", "checkpoint", "--registry", proxyUrl, "--root-sha256", proc.info.root1Sha256], { env: { AGENTGOV_HOME: await tempHome() } });
    expect(pinned.code, pinned.stderr).toBe(0);
  });
});

describe("registry log (lying registry): fail closed with a named code", { timeout: 90_000 }, () => {
  it("a root 1 other than the pinned one → REGISTRY_UNTRUSTED_KEY", async () => {
    tamper = undefined;
    const res = await runCli(["registry", "log", "verify", "--registry", proxyUrl, "--root-sha256", "0".repeat(64)], { env: { AGENTGOV_HOME: await tempHome() } });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("REGISTRY_UNTRUSTED_KEY");
    const pinnedHome = await tempHome();
    await saveTrustStore({ ...defaultTrustStore(), registries: { [proxyUrl]: { rootSha256: "1".repeat(64) } } }, pinnedHome);
    const pinned = await registryLog(pinnedHome, proxyUrl, ["checkpoint"]);
    expect(pinned.code).toBe(1);
    expect(pinned.stderr).toContain("REGISTRY_UNTRUSTED_KEY");
    // A different root 1 (here: other bytes), served consistently as root 1 and as the newest root.
    tamper = (p, body) => (p === "/v1/root/1.json" || p === "/v1/root.json" ? Buffer.from(`${body.toString("utf8")} `) : body);
    const swapped = await runCli(["registry", "log", "checkpoint", "--registry", proxyUrl, "--root-sha256", proc.info.root1Sha256], { env: { AGENTGOV_HOME: await tempHome() } });
    expect(swapped.code).toBe(1);
    expect(swapped.stderr).toContain("REGISTRY_UNTRUSTED_KEY");
  });

  it("a forged checkpoint signature → REGISTRY_LOG_PROOF_INVALID", async () => {
    tamper = (p, body) => {
      if (p !== "/v1/log/checkpoint") return body;
      const text = body.toString("utf8");
      const at = text.lastIndexOf(" ") + 12;
      return Buffer.from(text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1));
    };
    const res = await (await client())(["checkpoint"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("REGISTRY_LOG_PROOF_INVALID");
  });

  it("an edited log entry → REGISTRY_LOG_PROOF_INVALID from verify and prove", async () => {
    tamper = replaceIn("/v1/log/entries", "/v1/log/entries", /"version":"1\.0\.0"/, "\"version\":\"1.0.1\"");
    const log = await client();
    const verified = await log(["verify"]);
    expect(verified.code).toBe(1);
    expect(verified.stderr).toContain("REGISTRY_LOG_PROOF_INVALID");
    const proved = await log(["prove", "1"]);
    expect(proved.code).toBe(1);
    expect(proved.stderr).toContain("REGISTRY_LOG_PROOF_INVALID");
  });

  it("a checkpoint smaller than the one verified before → REGISTRY_ROLLBACK; an inconsistent one → REGISTRY_LOG_FORK", async () => {
    tamper = undefined;
    const log = await client();
    const old = await fetch(`${proc.info.url}/v1/log/checkpoint`).then((r) => r.text());
    expect((await publish(proc.info.url, await packPlugin("@acme/logged", "1.1.0", acme), acme.token)).status).toBe(201);
    expect((await log(["verify"])).code).toBe(0);
    tamper = (p, body) => (p === "/v1/log/checkpoint" ? Buffer.from(old) : body);
    const rolled = await log(["checkpoint"]);
    expect(rolled.code).toBe(1);
    expect(rolled.stderr).toContain("REGISTRY_ROLLBACK");
    tamper = undefined;
    expect((await publish(proc.info.url, await packPlugin("@acme/logged", "1.2.0", acme), acme.token)).status).toBe(201);
    tamper = (p, body) => {
      if (!p.startsWith("/v1/log/proof/consistency")) return body;
      const proof = JSON.parse(body.toString("utf8")) as { hashes: string[] };
      proof.hashes = proof.hashes.map(() => Buffer.alloc(32, 7).toString("base64"));
      return Buffer.from(JSON.stringify(proof));
    };
    const forked = await log(["checkpoint"]);
    expect(forked.code).toBe(1);
    expect(forked.stderr).toContain("REGISTRY_LOG_FORK");
    tamper = undefined;
    expect((await log(["verify"])).code).toBe(0);
  });

  it("an unreachable registry → exit 1 with a REGISTRY_ code; usage errors → exit 2", async () => {
    const clientHome = await tempHome();
    const down = await runCli(["registry", "log", "checkpoint", "--registry", "http://127.0.0.1:1"], { env: { AGENTGOV_HOME: clientHome } });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^REGISTRY_[A-Z_]+: .*ECONNREFUSED/m);
    for (const args of [["registry", "log", "bogus"], ["registry", "log", "prove", "x"], ["registry", "log", "verify", "--registry", "ftp://x"], ["registry", "log", "entries", "--limit", "0"]]) {
      expect((await runCli(args, { env: { AGENTGOV_HOME: clientHome } })).code, args.join(" ")).toBe(2);
    }
  });
});

describe("registry serve", { timeout: 90_000 }, () => {
  it("--init on an existing registry serves it unchanged; a second process on the same directory is refused", async () => {
    const again = await runCli(["registry", "serve", "--init", "--port", "0"], { env: { AGENTGOV_HOME: home } });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already holds a registry");
    expect(again.stderr).toContain("another registry process");
    const empty = await runCli(["registry", "serve", "--port", "0"], { env: { AGENTGOV_HOME: await tempHome() } });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("--init");
    const otherHome = await tempHome();
    const fresh = await startRegistryProcess(otherHome, ["--init", "--port", "0"]);
    fresh.child.kill("SIGINT");
    expect(await fresh.exited).toBe(0);
    const reopened = await startRegistryProcess(otherHome, ["--init", "--port", "0"]);
    expect(reopened.info.initialized).toBe(false);
    expect(reopened.info.root1Sha256).toBe(fresh.info.root1Sha256);
    reopened.child.kill("SIGTERM");
    expect(await reopened.exited).toBe(0);
  });
});
