import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEV_AGENT_TOKEN_FILE, serveCommand, type ServeIo } from "./serve-command.js";
import { SUPPORT_POLICY, waitFor } from "./testing/fixtures/harness.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "agentgov-serve-"));
  mkdirSync(join(root, "policies"));
  writeFileSync(join(root, "policies", "support.yaml"), SUPPORT_POLICY);
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function io(signal?: AbortSignal, env: Record<string, string | undefined> = { AGENTGOV_HOME: join(root, "home") }): ServeIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const base: ServeIo = { stdout, stderr, env, cwd: root };
  if (signal !== undefined) base.signal = signal;
  return { ...base, out: () => out, err: () => err };
}

describe("agentgov serve", () => {
  it("exits 2 on usage errors", async () => {
    for (const argv of [["--port", "http"], ["--port", "70000"], ["--bogus"], ["extra"], ["--audit", "csv"], ["--audit-sync", "off"]]) {
      const t = io();
      expect(await serveCommand(argv, t), argv.join(" ")).toBe(2);
      expect(t.err(), argv.join(" ")).toContain("usage: agentgov serve");
    }
  });

  it("--init creates an admin token file (0600) in $AGENTGOV_HOME/server, prints the token once, and refuses to overwrite it", async () => {
    const t = io();
    expect(await serveCommand(["--init"], t)).toBe(0);
    const token = t.out().trim();
    expect(token).toMatch(/^agt_[A-Za-z0-9_-]{43}$/);
    const file = join(root, "home", "server", "tokens.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { readFileSync } = await import("node:fs");
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(token);
    const again = io();
    expect(await serveCommand(["--init"], again)).toBe(1);
    expect(again.out()).toBe("");
    expect(again.err()).toContain("already exists");
  });

  it("serves with the init token until stopped, and fails clearly without tokens or policies", async () => {
    const missing = io();
    expect(await serveCommand(["--port", "0"], missing)).toBe(1);
    expect(missing.err()).toContain("serve --init");
    const init = io();
    await serveCommand(["--init"], init);
    const token = init.out().trim();
    const noPolicies = io();
    expect(await serveCommand(["--port", "0", "--policies", "nowhere"], noPolicies)).toBe(1);
    expect(noPolicies.err()).toContain("cannot start");

    const controller = new AbortController();
    const t = io(controller.signal);
    const running = serveCommand(["--port", "0", "--host", "127.0.0.1"], t);
    await waitFor(() => Promise.resolve(t.out().includes("listening on")), "the server to listen");
    const url = /listening on (http:\/\/\S+)/.exec(t.out())?.[1] ?? "";
    const res = await fetch(`${url}/v1/decide`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ agent: "a", context: { tool: { name: "search" } } }) });
    expect(((await res.json()) as { action: string }).action).toBe("allow");
    controller.abort();
    expect(await running).toBe(0);
    expect(t.out()).toContain("stopped");
    // The default store is SQLite; --audit jsonl selects the JSONL file.
    expect(statSync(join(root, "home", "server", "audit.db")).isFile()).toBe(true);
    const jsonl = new AbortController();
    const j = io(jsonl.signal);
    const runningJsonl = serveCommand(["--port", "0", "--audit", "jsonl", "--audit-sync", "normal"], j);
    await waitFor(() => Promise.resolve(j.out().includes("listening on")), "the JSONL server to listen");
    jsonl.abort();
    expect(await runningJsonl).toBe(0);
    expect(statSync(join(root, "home", "server", "audit.jsonl")).isFile()).toBe(true);
  });

  it("exits 2 on a malformed AGENTGOV_PORT, and listens on AGENTGOV_PORT when --port is not given", async () => {
    for (const value of ["http", "70000", "-1", "8080x"]) {
      const t = io(undefined, { AGENTGOV_HOME: join(root, "home"), AGENTGOV_PORT: value });
      expect(await serveCommand(["--dev"], t), value).toBe(2);
      expect(t.err(), value).toContain("AGENTGOV_PORT must be an integer");
    }
    const controller = new AbortController();
    const t = io(controller.signal, { AGENTGOV_HOME: join(root, "home"), AGENTGOV_PORT: "0" });
    const running = serveCommand(["--dev"], t);
    await waitFor(() => Promise.resolve(t.out().includes("Ctrl-C")), "the server to listen");
    expect(t.out()).not.toMatch(/listening on http:\/\/127\.0\.0\.1:8080 /);
    controller.abort();
    expect(await running).toBe(0);
  });

  it("--dev: the first start creates ./.agentgov/server with an admin token printed once beside the console URL and a decide token in agent-token (0600); later starts print no token", async () => {
    const env = {};
    const controller = new AbortController();
    const t = io(controller.signal, env);
    const running = serveCommand(["--dev", "--port", "0"], t);
    await waitFor(() => Promise.resolve(t.out().includes("Ctrl-C")), "the server to listen");
    const data = join(root, ".agentgov", "server");
    expect(t.out()).toContain(`data in ${data}`);
    const url = /console {6}(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(t.out())?.[1] ?? "";
    expect(url).not.toBe("");
    const admin = /admin token {2}(agt_[A-Za-z0-9_-]{43})$/m.exec(t.out())?.[1] ?? "";
    expect(admin).not.toBe("");
    expect(t.out()).toContain(`agent token  scope decide, in ${join(".agentgov", "server", DEV_AGENT_TOKEN_FILE)}`);
    const agentFile = join(data, DEV_AGENT_TOKEN_FILE);
    expect(statSync(agentFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, "tokens.json")).mode & 0o777).toBe(0o600);
    const agent = readFileSync(agentFile, "utf8").trim();
    expect(readFileSync(join(data, "tokens.json"), "utf8")).not.toContain(admin);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    const decide = (token: string): Promise<Response> =>
      fetch(`${url}v1/decide`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ agent: "a", context: { tool: { name: "delete" } } }) });
    const denied = (await (await decide(agent)).json()) as { action: string; matched_rule: string };
    expect(denied).toMatchObject({ action: "deny", matched_rule: "block-delete" });
    // The agent token decides but cannot read the approvals; the admin token can.
    expect((await fetch(`${url}v1/approvals`, { headers: { authorization: `Bearer ${agent}` } })).status).toBe(403);
    expect((await fetch(`${url}v1/approvals`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    controller.abort();
    expect(await running).toBe(0);

    const again = new AbortController();
    const second = io(again.signal, env);
    const runningAgain = serveCommand(["--dev", "--port", "0"], second);
    await waitFor(() => Promise.resolve(second.out().includes("Ctrl-C")), "the second start to listen");
    expect(second.out()).not.toMatch(/agt_/);
    expect(second.out()).toContain("printed on the first start");
    again.abort();
    expect(await runningAgain).toBe(0);
    expect(readFileSync(agentFile, "utf8").trim()).toBe(agent);
  });

  it("--dev: a first start that cannot serve leaves no tokens behind, and --data still wins over the dev default", async () => {
    const t = io();
    expect(await serveCommand(["--dev", "--port", "0", "--policies", "nowhere"], t)).toBe(1);
    expect(t.out()).not.toMatch(/agt_/);
    expect(existsSync(join(root, "home", "server", "tokens.json"))).toBe(false);
    expect(existsSync(join(root, "home", "server", DEV_AGENT_TOKEN_FILE))).toBe(false);
    // The port is taken: the server cannot listen, and the tokens are removed again.
    const { createServer } = await import("node:net");
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    const takenPort = (taken.address() as { port: number }).port;
    const busy = io();
    expect(await serveCommand(["--dev", "--port", String(takenPort)], busy)).toBe(1);
    await new Promise<void>((done) => taken.close(() => { done(); }));
    expect(busy.err()).toContain("cannot listen");
    expect(busy.out()).not.toMatch(/agt_/);
    expect(existsSync(join(root, "home", "server", "tokens.json"))).toBe(false);
    const controller = new AbortController();
    const own = io(controller.signal);
    const running = serveCommand(["--dev", "--port", "0", "--data", "elsewhere"], own);
    await waitFor(() => Promise.resolve(own.out().includes("Ctrl-C")), "the server to listen");
    expect(own.out()).toContain(`data in ${join(root, "elsewhere")}`);
    controller.abort();
    expect(await running).toBe(0);
    expect(existsSync(join(root, "elsewhere", DEV_AGENT_TOKEN_FILE))).toBe(true);
  });
});
