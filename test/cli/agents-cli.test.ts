/**
 * `agentgov agents kill|quarantine|release` through the built binary against a real
 * `agentgov serve` on 127.0.0.1: the change takes effect on the next /v1/decide, the output
 * says what was stopped, and failures (bad token, missing scope, no server) exit 1 with
 * their code.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { AGENTS_FILE, issueToken, TOKENS_FILE } from "@agentgov/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { decide, startServe, type ServeProcess } from "./serve-process.js";

const POLICY = `apiVersion: agentgov/v1
name: desk
default_action: deny
rules:
  - name: allow-search
    condition: "tool.name == 'search'"
    action: allow
`;
const search = (agent: string) => ({ agent, context: { tool: { name: "search" }, args: { q: "x" } } });

let server: ServeProcess;
let decideToken = "";

beforeAll(async () => {
  server = await startServe(POLICY, (data) => {
    // A token that may decide but not control agents (the 403 path); tokens are read at start.
    decideToken = issueToken(join(data, TOKENS_FILE), { id: "runtime", scopes: ["decide"] });
  });
}, 30_000);

afterAll(async () => {
  await server.stop();
});

const agents = (args: string[], token = server.adminToken) =>
  runCli(["agents", ...args, "--endpoint", server.endpoint], { cwd: server.root, env: { AGENTGOV_TOKEN: token } });

describe("agentgov agents against a running server", () => {
  it("kill: exit 0, says what was stopped, and the next decision for the agent is denied", async () => {
    expect((await decide(server.endpoint, server.adminToken, search("bot-1"))).allowed).toBe(true);
    const r = await agents(["kill", "bot-1", "--reason", "runaway loop"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("agent 'bot-1': active → killed; persisted, audited");
    expect(r.stdout).toMatch(/stopped: +new decisions for agent 'bot-1': denied \(kill_switch\)/);
    // The search allowed above never reported its outcome: the server counts it as still running, and says so.
    expect(r.stdout).toMatch(/not stopped: 1 allowed call still running — calls already allowed are not interrupted/);
    const d = await decide(server.endpoint, server.adminToken, search("bot-1"));
    expect(d).toMatchObject({ allowed: false, code: "kill_switch" });
    expect(d.reason).toContain("runaway loop");
    // Other agents are untouched.
    expect((await decide(server.endpoint, server.adminToken, search("bot-2"))).allowed).toBe(true);
  });

  it("release --json: the server's answer as JSON, and the agent is decided by the policies again", async () => {
    const r = await agents(["release", "bot-1", "--json"]);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(answer).toMatchObject({ ok: true, op: "release", target: "bot-1", previous: "killed", state: "active", changed: true, persisted: true, audited: true });
    expect((await decide(server.endpoint, server.adminToken, search("bot-1"))).allowed).toBe(true);
  });

  it("quarantine: the next decision is denied as quarantined; the reason is the server's hold", async () => {
    const r = await agents(["quarantine", "bot-3", "--reason", "suspicious handoffs"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("active → quarantined");
    expect(await decide(server.endpoint, server.adminToken, search("bot-3"))).toMatchObject({ allowed: false, code: "quarantined" });
    const list = await fetch(`${server.endpoint}/v1/agents`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    const holds = (await list.json()) as { agents: Record<string, { state: string; reason: string }> };
    expect(holds.agents["bot-3"]).toMatchObject({ state: "quarantined", reason: "suspicious handoffs" });
  });

  it("an agent id with reserved URL characters reaches the server as that id", async () => {
    const id = "team/a b?#1";
    expect((await agents(["kill", id])).code).toBe(0);
    expect(await decide(server.endpoint, server.adminToken, search(id))).toMatchObject({ allowed: false, code: "kill_switch" });
    expect((await decide(server.endpoint, server.adminToken, search("team"))).allowed).toBe(true);
  });

  it("a wrong token: exit 1 with UNAUTHENTICATED, and nothing changed", async () => {
    const r = await agents(["kill", "bot-2"], "agt_not-a-real-token");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^UNAUTHENTICATED: /);
    expect((await decide(server.endpoint, server.adminToken, search("bot-2"))).allowed).toBe(true);
    const j = await runCli(["agents", "kill", "bot-2", "--endpoint", server.endpoint, "--token", "agt_wrong", "--json"], { cwd: server.root });
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, code: "UNAUTHENTICATED" });
  });

  it("no token at all is a usage error (exit 2), not a request", async () => {
    const r = await runCli(["agents", "kill", "bot-2", "--endpoint", server.endpoint], { cwd: server.root, env: { AGENTGOV_TOKEN: "" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("AGENTGOV_TOKEN");
  });

  it("usage errors exit 2: no agent id, two ids, a malformed endpoint", async () => {
    expect((await agents(["kill"])).code).toBe(2);
    expect((await agents(["kill", "a", "b"])).code).toBe(2);
    const bad = await runCli(["agents", "kill", "a", "--endpoint", "ftp://x"], { cwd: server.root, env: { AGENTGOV_TOKEN: "t" } });
    expect(bad.code).toBe(2);
  });
});

describe("agentgov agents failures", () => {
  it("a token without the admin scope: exit 1 with FORBIDDEN, and nothing changed", async () => {
    const r = await agents(["quarantine", "bot-9"], decideToken);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^FORBIDDEN: /);
    expect((await decide(server.endpoint, decideToken, search("bot-9"))).allowed).toBe(true);
  });

  it("a kill the server cannot persist: exit 1 with its code, and the output says the kill is in effect anyway", async () => {
    // Fault: the state file's place is taken by a non-empty directory, so the atomic rename fails.
    const state = join(server.data, AGENTS_FILE);
    rmSync(state, { force: true, recursive: true });
    mkdirSync(join(state, "blocker"), { recursive: true });
    writeFileSync(join(state, "blocker", "x"), "x");
    try {
      const r = await agents(["kill", "bot-7"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^STATE_WRITE_FAILED: the change is in effect but could not be persisted/);
      expect(r.stderr).toContain("agent 'bot-7': active → killed; NOT persisted (a restart loses it), audited");
      expect(await decide(server.endpoint, server.adminToken, search("bot-7"))).toMatchObject({ allowed: false, code: "kill_switch" });
    } finally {
      rmSync(state, { force: true, recursive: true });
    }
  });

  it("no server listening: exit 1 with UNREACHABLE", async () => {
    const port = await freePort();
    const r = await runCli(["agents", "kill", "bot-1", "--endpoint", `http://127.0.0.1:${port}`], { env: { AGENTGOV_TOKEN: "agt_x" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^UNREACHABLE: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});

/** A port nothing listens on (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      s.close(() => { resolve(port); });
    });
  });
}
