/**
 * `node dist/server/run.js [--smoke] [--seconds N] [--connections N] [--rounds N] [--ack durable|appended]` (fifth part
 * of `npm run bench`).
 *
 * Decisions per second of `agentgov serve` (`@agentgov/server`, default SQLite audit store,
 * every decision written ahead to the audit log and answered once committed) over loopback
 * keep-alive HTTP, measured with autocannon next to a bare `node:http` responder in the same
 * run, and next to a lean decision responder (lean.ts: node:http + JSON.parse +
 * `kernel.decide` + the answer, nothing else — the ceiling of any decision point on this
 * kernel); rounds alternate bare, lean and sidecar, and the report gives the medians and the ratios —
 * of the rates, and of the CPU time each process spent per answered request (from /proc,
 * the figure a busy shared machine does not distort). The two servers run in their own
 * processes, autocannon in this one (2 vCPUs: one each). Requests alternate an allowed and a
 * denied decision; a functional check before timing proves the sidecar answers both right.
 * Results go to `bench/results/server-latest.json` (`server-latest-smoke.json`).
 *
 * Exit status 1 when something did not run or answered wrongly (a failed check, non-2xx
 * answers, connection errors); never because of a rate.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { arch, cpus, platform } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { finishRun, intOption } from "../harness.js";
import { median, table } from "../stats.js";
import { ALLOWED_REQUEST, DENIED_REQUEST, type LoadFigures, type SidecarReady } from "./protocol.js";

const { values: opts } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    seconds: { type: "string" },
    connections: { type: "string" },
    rounds: { type: "string" },
    ack: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});
if (opts.help) {
  process.stdout.write(
    [
      "usage: node dist/server/run.js [options]",
      "  --smoke          1 s per run, 1 round (CI); results in results/server-latest-smoke.json",
      "  --seconds N      seconds of load per run (default 10; smoke 1)",
      "  --connections N  keep-alive connections (default 64; smoke 16)",
      "  --rounds N       bare/lean/sidecar alternations (default 3; smoke 1)",
      "  --ack MODE       durable (default: answer once the record is committed) or appended",
      "",
    ].join("\n"),
  );
  process.exit(0);
}
const smoke = opts.smoke;
const seconds = intOption("seconds", opts.seconds, smoke ? 1 : 10);
const connections = intOption("connections", opts.connections, smoke ? 16 : 64);
const rounds = intOption("rounds", opts.rounds, smoke ? 1 : 3);
const ack = opts.ack ?? "durable";
if (ack !== "durable" && ack !== "appended") {
  process.stderr.write(`--ack must be durable or appended, got '${ack}'\n`);
  process.exit(2);
}

/** Starts `script` in a fresh node process and resolves with its first stdout line, parsed. */
async function startChild(script: string, args: readonly string[] = []): Promise<{ child: ChildProcess; ready: unknown }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => {
      reject(new Error(`${script} exited with ${String(code)} before it was ready`));
    });
  });
  return { child, ready: JSON.parse(first) as unknown };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve(child.exitCode);
      return;
    }
    child.once("exit", (code) => {
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}

/**
 * CPU time (user + system, ms) a process has used, from /proc (Linux); null elsewhere.
 * Per request it is the figure that survives a busy machine: wall-clock rates move with
 * whatever else runs, the work each answer costs does not.
 */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${String(pid)}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : null; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

async function load(target: LoadFigures["target"], port: number, token: string | null, pid: number | undefined): Promise<LoadFigures> {
  const cpuBefore = cpuMs(pid);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const result = await autocannon({
    url: `http://127.0.0.1:${String(port)}`,
    connections,
    pipelining: 1,
    duration: seconds,
    headers,
    requests: [
      { method: "POST", path: "/v1/decide", body: JSON.stringify(ALLOWED_REQUEST) },
      { method: "POST", path: "/v1/decide", body: JSON.stringify(DENIED_REQUEST) },
    ],
  });
  const cpuAfter = cpuMs(pid);
  const answered = result.requests.total;
  return {
    target,
    cpuUsPerRequest: cpuBefore === null || cpuAfter === null || answered === 0 ? null : ((cpuAfter - cpuBefore) * 1000) / answered,
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** A decision point must allow the read and deny the drop, by the rules that say so (the sidecar with its token, the lean responder without). */
async function check(target: LoadFigures["target"], port: number, token: string | null): Promise<string[]> {
  const problems: string[] = [];
  for (const [request, action, rule] of [[ALLOWED_REQUEST, "allow", "allow-selects"], [DENIED_REQUEST, "deny", "block-destructive-sql"]] as const) {
    const res = await fetch(`http://127.0.0.1:${String(port)}/v1/decide`, { method: "POST", headers: token === null ? { "content-type": "application/json" } : { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(request) });
    const body = (await res.json()) as { action?: string; matched_rule?: string };
    if (res.status !== 200 || body.action !== action || body.matched_rule !== rule) problems.push(`functional check of ${target}: expected ${action} by ${rule}, got HTTP ${String(res.status)} ${JSON.stringify(body).slice(0, 200)}`);
  }
  return problems;
}

const started = performance.now();
const failures: string[] = [];
const runs: LoadFigures[] = [];
const bare = await startChild("./bare.js").then((c) => ({ child: c.child, ready: c.ready as { port: number } }));
const lean = await startChild("./lean.js").then((c) => ({ child: c.child, ready: c.ready as { port: number } })).catch(async (error: unknown) => {
  await stop(bare.child);
  throw error;
});
const sidecar = await startChild("./sidecar.js", ack === "appended" ? ["--ack=appended"] : []).then((c) => ({ child: c.child, ready: c.ready as SidecarReady })).catch(async (error: unknown) => {
  await stop(bare.child);
  await stop(lean.child);
  throw error;
});
try {
  failures.push(...(await check("sidecar", sidecar.ready.port, sidecar.ready.token)), ...(await check("lean", lean.ready.port, null)));
  if (failures.length === 0) {
    for (let r = 0; r < rounds; r++) {
      runs.push(await load("bare", bare.ready.port, null, bare.child.pid));
      runs.push(await load("lean", lean.ready.port, null, lean.child.pid));
      runs.push(await load("sidecar", sidecar.ready.port, sidecar.ready.token, sidecar.child.pid));
    }
  }
} finally {
  await stop(bare.child);
  await stop(lean.child);
  const code = await stop(sidecar.child);
  if (code !== 0) failures.push(`the sidecar exited with ${String(code)} on SIGTERM (audit not sealed cleanly)`);
}
for (const run of runs) {
  if (run.non2xx > 0 || run.errors > 0) failures.push(`${run.target}: ${String(run.non2xx)} non-2xx answers, ${String(run.errors)} connection errors`);
}

const rate = (target: LoadFigures["target"]): number => median(runs.filter((r) => r.target === target).map((r) => r.requestsPerSec));
const bareRate = rate("bare");
const sidecarRate = rate("sidecar");
const ratio = bareRate > 0 ? sidecarRate / bareRate : 0;
const leanRate = rate("lean");
const leanRatio = bareRate > 0 ? leanRate / bareRate : 0;
const cpu = (target: LoadFigures["target"]): number | null => {
  const mine = runs.filter((r) => r.target === target);
  const values = mine.map((r) => r.cpuUsPerRequest).filter((v): v is number => v !== null);
  return values.length === mine.length && values.length > 0 ? median(values) : null;
};
const bareCpu = cpu("bare");
const sidecarCpu = cpu("sidecar");
const cpuRatio = bareCpu !== null && sidecarCpu !== null && sidecarCpu > 0 ? bareCpu / sidecarCpu : null;
const leanCpu = cpu("lean");
const out: string[] = [
  `server: /v1/decide over loopback keep-alive, ${String(connections)} connections, ${String(seconds)} s per run, ${String(rounds)} round(s), ack ${ack}`,
  "",
  table(
    ["run", "target", "req/s", "p50 ms", "p99 ms", "cpu µs/req", "requests", "non-2xx", "errors"],
    runs.map((r, i) => [String(Math.floor(i / 3) + 1), r.target, r.requestsPerSec.toFixed(0), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2), r.cpuUsPerRequest === null ? "n/a" : r.cpuUsPerRequest.toFixed(1), String(r.total), String(r.non2xx), String(r.errors)]),
  ),
  "",
  `median decisions/s: sidecar ${sidecarRate.toFixed(0)}, bare node:http ${bareRate.toFixed(0)}, ratio ${ratio.toFixed(2)} (targets: ≥ 10,000/s and ≥ 0.5× bare)`,
  cpuRatio === null || bareCpu === null || sidecarCpu === null
    ? "cpu per request: not measured (no /proc)"
    : `median cpu per request: sidecar ${sidecarCpu.toFixed(1)} µs, bare ${bareCpu.toFixed(1)} µs, ratio ${cpuRatio.toFixed(2)} (one core's worth: sidecar ${(1e6 / sidecarCpu).toFixed(0)}/s, bare ${(1e6 / bareCpu).toFixed(0)}/s)`,
  `lean decision responder (node:http + JSON.parse + kernel.decide + answer, no auth/audit/durability): ${leanRate.toFixed(0)}/s, ${leanRatio.toFixed(2)}× bare` +
    (leanCpu === null ? "" : `, ${leanCpu.toFixed(1)} µs cpu per request`) +
    " — the ceiling of any decision point on this kernel in one node process here",
];
finishRun({
  name: "server",
  smoke,
  machine: `${platform()}-${arch()} ${String(cpus().length)} vCPU, node ${process.version}`,
  procs: 2,
  out,
  failures,
  started,
  payload: { seconds, connections, rounds, ack, runs, sidecarRate, bareRate, ratio, leanRate, leanRatio, sidecarCpuUsPerRequest: sidecarCpu, bareCpuUsPerRequest: bareCpu, leanCpuUsPerRequest: leanCpu, cpuRatio },
});
