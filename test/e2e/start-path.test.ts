/**
 * The README's first command, end to end: what `npm start` runs after its build step —
 * read from the root package.json's `start` script, so the two cannot drift apart — as a
 * real child process (the built CLI), on an ephemeral port (`AGENTGOV_PORT=0`) with a temp
 * `AGENTGOV_HOME`. It must print the console URL and an admin token, serve the console and
 * `/v1/decide` with the example policies and no other set-up, and stop cleanly on SIGINT
 * (Ctrl-C) with its audit log sealed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AUDIT_DB_FILE, AUDIT_PUBLIC_KEY_FILE, verifySqliteAudit } from "@agentgov/server";
import { afterEach, describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The server command of the `start` script: the part after its last `&&`, as argv. */
function startCommand(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const script = pkg.scripts.start ?? "";
  const command = script.split("&&").at(-1)?.trim() ?? "";
  expect(script, "npm start builds first").toMatch(/^turbo run build --filter=@agentgov\/cli\.\.\./);
  // Plain words only: no shell syntax this test would have to interpret.
  expect(command).toMatch(/^node [\w ./@-]+$/);
  return command.split(/\s+/);
}

let child: ChildProcess | undefined;
let home = "";
afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  if (home !== "") rmSync(home, { recursive: true, force: true });
});

/** Resolves with the output once `pattern` appears in stdout; rejects on exit or after 20 s. */
function waitForOutput(proc: ChildProcess, pattern: RegExp, output: { out: string; err: string }): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no ${String(pattern)} within 20 s; stdout: ${output.out}\nstderr: ${output.err}`));
    }, 20_000);
    const check = (): void => {
      const match = pattern.exec(output.out);
      if (match === null) return;
      clearTimeout(timer);
      resolve(match);
    };
    proc.stdout?.on("data", check);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${String(code)} before printing ${String(pattern)}: ${output.err}`));
    });
  });
}

describe("npm start", () => {
  it("serves the console and /v1/decide with the example policies and zero set-up, prints the URL and token, and stops cleanly on SIGINT", async () => {
    const [node, ...args] = startCommand();
    expect(node).toBe("node");
    home = mkdtempSync(join(tmpdir(), "agentgov-start-"));
    const proc = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, AGENTGOV_HOME: home, AGENTGOV_PORT: "0", AGENTGOV_ENDPOINT: "", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    const output = { out: "", err: "" };
    proc.stdout.on("data", (chunk: Buffer) => (output.out += chunk.toString()));
    proc.stderr.on("data", (chunk: Buffer) => (output.err += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => proc.once("exit", (code, signal) => { done({ code, signal }); }));

    await waitForOutput(proc, /Ctrl-C stops the server/, output);
    expect(output.out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(\d+ policies from .*examples\/policies, data in /);
    const url = /^ {2}console {6}(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(output.out)?.[1];
    const admin = /^ {2}admin token {2}(agt_[A-Za-z0-9_-]{43})$/m.exec(output.out)?.[1];
    expect(url).toBeDefined();
    expect(admin).toBeDefined();
    expect(url).not.toBe("http://127.0.0.1:8080/");

    const page = await fetch(url ?? "");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<html/i);

    const decide = async (token: string, request: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${url ?? ""}v1/decide`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(request) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const destructive = { agent: "support-bot", context: { tool: { name: "delete_account" }, args: { customerId: "C-42" } } };
    const denied = await decide(admin ?? "", destructive);
    expect(denied.status).toBe(200);
    expect(denied.body).toMatchObject({ allowed: false, action: "deny", code: "rule", policy: "support-desk", matched_rule: "block-account-deletion" });
    // The agents' token from the data directory decides too; an unknown token is refused.
    const agentToken = readFileSync(join(home, "server", "agent-token"), "utf8").trim();
    const read = await decide(agentToken, { agent: "support-bot", context: { tool: { name: "lookup_order" }, args: { orderId: "A-1" } } });
    expect(read.body).toMatchObject({ allowed: true, matched_rule: "allow-reads" });
    expect((await decide("agt_not-a-token", destructive)).status).toBe(401);

    proc.kill("SIGINT");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output.out).toContain("agentgov serve: stopped; audit log sealed");
    const audit = await verifySqliteAudit(join(home, "server", AUDIT_DB_FILE), { publicKey: readFileSync(join(home, "server", AUDIT_PUBLIC_KEY_FILE), "utf8") });
    expect(audit).toMatchObject({ ok: true, sealed: true, signaturesChecked: true });
    expect(audit.records).toBeGreaterThanOrEqual(2);
  });
});
