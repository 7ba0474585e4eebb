import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serveCommand, type ServeIo } from "./serve-command.js";
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

function io(signal?: AbortSignal): ServeIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const base: ServeIo = { stdout, stderr, env: { AGENTGOV_HOME: join(root, "home") }, cwd: root };
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
});
