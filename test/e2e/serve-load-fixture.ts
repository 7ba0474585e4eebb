/**
 * The crash and hot-reload suites' fixture: the real, built `agentgov serve` in a child
 * process on 127.0.0.1 (ephemeral port), restartable on the same data directory, and a
 * load of `/v1/decide` calls over keep-alive connections that records every answer.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, runCli } from "../support/cli.js";

/** Reads are allowed, destructive statements denied, anything else denied by default. */
export const LOAD_POLICY = `apiVersion: agentgov/v1
name: support-db
default_action: deny
rules:
  - name: block-destructive-sql
    condition: "lower(args.query) startswith 'drop'"
    action: deny
    priority: 100
  - name: allow-selects
    condition: "tool.name == 'query_database' and lower(args.query) startswith 'select'"
    action: allow
`;

/** A request the policy allows (`i` makes each one distinct). */
export const allowedRequest = (i: number): unknown => ({ agent: { id: "support-bot" }, context: { tool: { name: "query_database" }, args: { query: `SELECT * FROM orders WHERE id = ${i}` } } });
/** A request the policy denies. */
export const deniedRequest = (i: number): unknown => ({ agent: { id: "support-bot" }, context: { tool: { name: "query_database" }, args: { query: `DROP TABLE orders_${i}` } } });

/** A directory with a policy and an initialised data directory (admin token). */
export interface ServeDirs {
  root: string;
  policies: string;
  data: string;
  token: string;
}

/** Creates the directories, writes {@link LOAD_POLICY} and runs `agentgov serve --init`. */
export async function prepareServe(policy = LOAD_POLICY): Promise<ServeDirs> {
  const root = mkdtempSync(join(tmpdir(), "agentgov-serve-load-"));
  const policies = join(root, "policies");
  const data = join(root, "data");
  mkdirSync(policies, { recursive: true });
  writeFileSync(join(policies, "policy.yaml"), policy);
  const init = await runCli(["serve", "--init", "--data", data], { cwd: root });
  if (init.code !== 0) throw new Error(`serve --init failed: ${init.stderr}`);
  return { root, policies, data, token: init.stdout.trim() };
}

/** A running `agentgov serve`. */
export interface Served {
  endpoint: string;
  child: ChildProcess;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Kills it with `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `agentgov serve` on `dirs` and resolves once it listens. */
export function startServe(dirs: ServeDirs): Promise<Served> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--host", "127.0.0.1", "--data", dirs.data, "--policies", dirs.policies], {
    cwd: dirs.root,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<void>((done) => child.once("exit", () => {
    done();
  }));
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`agentgov serve did not start within 20 s: ${err}`));
    }, 20_000);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1] === undefined) return;
      clearTimeout(timer);
      resolve({
        endpoint: m[1],
        child,
        stderr: () => err,
        async kill(signal) {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`agentgov serve exited with ${String(code)}: ${err}`));
    });
  });
}

/** One acknowledged decision: the server answered 200 with it. */
export interface Acknowledged {
  callId: string;
  allowed: boolean;
  action: string;
  code: string;
  /** Which request was sent. */
  sent: "allowed" | "denied";
}

/** A load in progress. */
export interface Load {
  /** Every decision answered so far. */
  readonly acknowledged: Acknowledged[];
  /** Requests that got no answer (connection reset, refused) or a non-200. */
  readonly failed: number;
  /** Stops sending and resolves when every connection is done. */
  stop(): Promise<void>;
}

/** Starts `connections` keep-alive clients, each posting decisions one after another. */
export function startLoad(endpoint: string, token: string, connections: number): Load {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const acknowledged: Acknowledged[] = [];
  let failed = 0;
  let stopping = false;
  let n = 0;
  const post = (body: string): Promise<{ status: number; text: string } | null> =>
    new Promise((resolve) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: "/v1/decide", method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "content-length": Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", () => {
          resolve(null);
        });
      });
      req.on("error", () => {
        resolve(null);
      });
      req.end(body);
    });
  const client = async (): Promise<void> => {
    while (!stopping) {
      const i = n++;
      const sent = i % 2 === 0 ? "allowed" : "denied";
      const answer = await post(JSON.stringify(sent === "allowed" ? allowedRequest(i) : deniedRequest(i)));
      if (answer?.status !== 200) {
        failed++;
        // The server is gone (killed) or refusing: back off a little instead of spinning.
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const d = JSON.parse(answer.text) as { call_id: string; allowed: boolean; action: string; code: string };
      acknowledged.push({ callId: d.call_id, allowed: d.allowed, action: d.action, code: d.code, sent });
    }
  };
  const clients = Array.from({ length: connections }, () => client());
  return {
    acknowledged,
    get failed() {
      return failed;
    },
    async stop() {
      stopping = true;
      await Promise.all(clients);
      agent.destroy();
    },
  };
}

/** GETs a JSON answer with the token. */
export async function getJson(endpoint: string, path: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${endpoint}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every decision record's call id in the server's audit (paged through `/v1/audit`). */
export async function auditedDecisions(endpoint: string, token: string): Promise<Map<string, { action: string; code: string }>> {
  const out = new Map<string, { action: string; code: string }>();
  let cursor: string | undefined;
  for (;;) {
    const page = await getJson(endpoint, `/v1/audit?kind=decision&limit=1000${cursor === undefined ? "" : `&cursor=${cursor}`}`, token);
    if (page.status !== 200) throw new Error(`GET /v1/audit answered ${page.status}: ${JSON.stringify(page.body)}`);
    const records = page.body.records as { call_id?: string; decision: { action: string; code: string } }[];
    for (const r of records) if (r.call_id !== undefined) out.set(r.call_id, { action: r.decision.action, code: r.decision.code });
    if (page.body.has_more !== true) return out;
    cursor = String(page.body.next_cursor);
  }
}

/** Resolves once `condition` holds (checked every 10 ms), or rejects after `ms`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
