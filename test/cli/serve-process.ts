/**
 * A real `agentgov serve` for CLI tests: the built binary in a child process on 127.0.0.1
 * (ephemeral port) with a temp policy directory and data directory, its admin token from
 * `agentgov serve --init`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, runCli } from "../support/cli.js";

/** A running server. */
export interface ServeProcess {
  root: string;
  data: string;
  policies: string;
  endpoint: string;
  adminToken: string;
  /** Stops the server (SIGTERM) and waits for its exit. */
  stop(): Promise<void>;
}

/**
 * Starts `agentgov serve` with `policy` (YAML text) as its only policy file. `beforeStart`
 * runs after `serve --init` and before the server starts (to add tokens: they are read at start).
 */
export async function startServe(policy: string, beforeStart?: (data: string) => void): Promise<ServeProcess> {
  const root = mkdtempSync(join(tmpdir(), "agentgov-serve-cli-"));
  const data = join(root, "data");
  const policies = join(root, "policies");
  mkdirSync(policies, { recursive: true });
  writeFileSync(join(policies, "policy.yaml"), policy);
  const init = await runCli(["serve", "--init", "--data", data], { cwd: root });
  if (init.code !== 0) throw new Error(`serve --init failed: ${init.stderr}`);
  const adminToken = init.stdout.trim();
  beforeStart?.(data);
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--host", "127.0.0.1", "--data", data, "--policies", policies], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const endpoint = await listeningOn(child);
  const exited = new Promise<void>((done) => child.once("exit", () => { done(); }));
  return {
    root,
    data,
    policies,
    endpoint,
    adminToken,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

function listeningOn(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => { fail(new Error(`agentgov serve did not start within 15 s: ${err}`)); }, 15_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    child.stderr?.on("data", (chunk: Buffer) => { err += chunk.toString(); });
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("exit", (code) => { fail(new Error(`agentgov serve exited with ${String(code)}: ${err}`)); });
  });
}

/** POSTs one decision request to the server and returns the decision. */
export async function decide(endpoint: string, token: string, request: unknown): Promise<{ allowed: boolean; code: string; action: string; reason: string }> {
  const res = await fetch(`${endpoint}/v1/decide`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(request) });
  if (res.status !== 200) throw new Error(`decide answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { allowed: boolean; code: string; action: string; reason: string };
}
