/** `agentgov serve --ack durable|appended`, and `--help` naming every flag the parser takes. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serveCommand, type ServeIo } from "./serve-command.js";
import { SUPPORT_POLICY, waitFor } from "./testing/fixtures/harness.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "agentgov-serve-ack-"));
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

describe("agentgov serve --ack", () => {
  it("exits 2 (usage) on anything but durable or appended, before touching the data directory", async () => {
    for (const argv of [["--ack", "sometimes"], ["--ack", ""], ["--ack", "DURABLE"], ["--ack"]]) {
      const t = io();
      expect(await serveCommand(argv, t), argv.join(" ")).toBe(2);
      expect(t.err(), argv.join(" ")).toContain("usage: agentgov serve");
    }
    const t = io();
    await serveCommand(["--ack", "sometimes"], t);
    expect(t.err()).toContain("--ack must be durable or appended, got 'sometimes'");
  });

  it("--ack appended and --ack durable both serve decisions that are recorded", async () => {
    const init = io();
    expect(await serveCommand(["--init"], init)).toBe(0);
    const token = init.out().trim();
    for (const ack of ["appended", "durable"]) {
      const controller = new AbortController();
      const t = io(controller.signal);
      const running = serveCommand(["--port", "0", "--host", "127.0.0.1", "--ack", ack, "--audit", "jsonl"], t);
      await waitFor(() => Promise.resolve(t.out().includes("listening on") || t.err() !== ""), "the server to listen");
      expect(t.err(), ack).toBe("");
      const url = /listening on (http:\/\/\S+)/.exec(t.out())?.[1] ?? "";
      const res = await fetch(`${url}/v1/decide`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ agent: "a", context: { tool: { name: "search" } }, call_id: `call-${ack}` }) });
      expect(((await res.json()) as { action: string }).action, ack).toBe("allow");
      controller.abort();
      expect(await running, ack).toBe(0);
      expect(readFileSync(join(root, "home", "server", "audit.jsonl"), "utf8"), ack).toContain(`"call_id":"call-${ack}"`);
    }
  });
});

describe("agentgov serve --help", () => {
  it("lists every flag the parser accepts", async () => {
    const t = io();
    expect(await serveCommand(["--help"], t)).toBe(0);
    const help = t.out();
    for (const flag of ["--port", "--host", "--policies", "--data", "--audit", "--audit-sync", "--ack", "--init", "--dev", "--help"]) {
      expect(help, flag).toMatch(new RegExp(`^\\s+(-h, )?${flag}\\s`, "m"));
      expect(help.split("\n")[0], flag).toContain(flag === "--help" ? "agentgov serve" : `[${flag}`);
    }
    // Every option the parser knows is in that list: an unknown one is a usage error.
    const unknown = io();
    expect(await serveCommand(["--ackk", "durable"], unknown)).toBe(2);
  });
});
