/**
 * `node dist/rl-guard/run.js [--smoke] [--procs N] [--time MS]` (third part of `npm run bench`).
 *
 * The per-call and per-episode costs of `@agentgov/rl-guard` (RL-GUARD.md §12): `gate()` +
 * chain append per tool call, `finish()` (shape + Ed25519 sign) per episode, and
 * `verifyRewardRecord` of a 20-record episode log. Each measured in several fresh worker
 * processes, one at a time; figures are medians across processes. Results go to
 * `bench/results/rl-guard-latest.json` (`rl-guard-latest-smoke.json`).
 *
 * Exit status: 1 when something did not run or behaved wrongly (the functional check before
 * timing, a failed worker, a permitted call denied or a denied one permitted while timed, an
 * honest record that did not verify); never because of a timing.
 */
import { arch, cpus, platform } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Budget } from "../protocol.js";
import { fmtRate, fmtTime, median, medianFigures, table } from "../stats.js";
import type { TaskFigures } from "../stats.js";
import { checkRlGuard } from "./common.js";
import { RL_TASKS, type RlResult, type RlSpec, type RlTask } from "./protocol.js";
import { finishRun, intOption, runWorker as runWorkerProcess } from "../harness.js";

// ---------------------------------------------------------------- options

const { values: opts } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    procs: { type: "string" },
    time: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (opts.help) {
  process.stdout.write(
    [
      "usage: node dist/rl-guard/run.js [options]",
      "  --smoke      1 process, tiny budgets (CI); results in results/rl-guard-latest-smoke.json",
      "  --procs N    worker processes (default 5; smoke 1)",
      "  --time MS    tinybench time budget per task (default 500; smoke 15)",
      "",
    ].join("\n"),
  );
  process.exit(0);
}


const smoke = opts.smoke;
const procs = intOption("procs", opts.procs, smoke ? 1 : 5);
const timeMs = intOption("time", opts.time, smoke ? 15 : 500);
const budget: Budget = smoke
  ? { timeMs, iterations: 16, warmupTimeMs: 5, warmupIterations: 8 }
  : { timeMs, iterations: 64, warmupTimeMs: 100, warmupIterations: 16 };

const workerPath = fileURLToPath(new URL("./worker.js", import.meta.url));

/** What each task measures, and its p50 target in ns (RL-GUARD.md §12; null: reported only). */
const TASKS: Record<RlTask, { label: string; unit: string; target: number | null }> = {
  "gate-permitted": { label: "gate() + chain append, permitted call", unit: "per call", target: 5_000 },
  "gate-denied": { label: "gate() + chain append, denied call (test-tamper)", unit: "per call", target: 5_000 },
  "gate-executed": { label: "gate() + recordResult() (pre_tool + post_tool)", unit: "per executed call", target: null },
  begin: { label: "beginEpisode() (nonce, genesis, rl.start)", unit: "per episode", target: null },
  finish: { label: "finish(): shape + rl.outcome + Ed25519 sign", unit: "per episode", target: 50_000 },
  "verify-20": { label: "verifyRewardRecord, 20-record log", unit: "per record", target: 250_000 },
  "ed25519-sign": { label: "reference: bare node:crypto Ed25519 sign", unit: "per record", target: null },
  "ed25519-verify": { label: "reference: bare node:crypto Ed25519 verify", unit: "per record", target: null },
};

// ---------------------------------------------------------------- workers

function runWorker(spec: RlSpec, timeout: number): Promise<RlResult> {
  return runWorkerProcess<RlResult>(workerPath, spec, timeout);
}

// ---------------------------------------------------------------- main

const started = performance.now();
const failures: string[] = [];
const log = (s: string): void => void process.stderr.write(`${s}\n`);

const cpuList = cpus();
const machine = `node ${process.version}, ${platform()} ${arch()}, ${String(cpuList.length)} CPU${cpuList.length === 1 ? "" : "s"} (${cpuList[0]?.model.trim() ?? "unknown"})`;
log(`agentgov rl-guard bench${smoke ? " (smoke)" : ""}: ${machine}`);

{
  const t0 = performance.now();
  let problems: string[];
  try {
    problems = await checkRlGuard();
  } catch (error) {
    problems = [`could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`];
  }
  log(`functional check (gate permits/denies, finish signs the shaped reward, verify accepts honest and rejects forged/dropped): ${problems.length === 0 ? "ok" : "FAILED"} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  for (const p of problems) failures.push(`functional check: ${p}`);
}

const results: RlResult[] = [];
if (failures.length === 0) {
  for (let p = 0; p < procs; p++) {
    const t0 = performance.now();
    const what = `process ${String(p + 1)}/${String(procs)}`;
    try {
      const r = await runWorker({ budget }, smoke ? 60_000 : 300_000);
      const c = r.counts;
      if (c.permittedDenied > 0 || c.deniedPermitted > 0 || c.verifyFailed > 0) {
        failures.push(`${what}: wrong decisions while timed: ${String(c.permittedDenied)} permitted calls denied, ${String(c.deniedPermitted)} denied calls permitted, ${String(c.verifyFailed)} honest verifications failed`);
      }
      results.push(r);
      log(`[${String(p + 1)}/${String(procs)}] ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      log(`[${String(p + 1)}/${String(procs)}] ${what}: FAILED`);
    }
  }
}

// ---------------------------------------------------------------- report

const out: string[] = [];
const print = (s = ""): void => void out.push(s);
print(`agentgov rl-guard bench${smoke ? " — SMOKE MODE (tiny budgets; figures are not meaningful)" : ""}`);
print(machine);
print(`${String(procs)} process${procs === 1 ? "" : "es"}; tinybench ${String(timeMs)} ms per task, every call timed; figures are medians across processes`);
print("guard: 3 packs (coding/test-tamper, coding/grader-tamper, net/egress), one phase, cached Ed25519 key, in-memory episode log");

interface Row {
  task: RlTask;
  figures: TaskFigures;
  target: number | null;
  met: boolean | null;
}
const rows: Row[] = [];
if (results.length > 0) {
  for (const task of RL_TASKS) {
    const figures = medianFigures(results.map((r) => r.figures[task]));
    const target = TASKS[task].target;
    rows.push({ task, figures, target, met: target === null ? null : figures.p50 <= target });
  }
  print();
  print(
    table(
      ["operation", "unit", "p50", "p99", "ops/s", "target (p50)"],
      rows.map((r) => [
        TASKS[r.task].label,
        TASKS[r.task].unit,
        fmtTime(r.figures.p50),
        fmtTime(r.figures.p99),
        fmtRate(r.figures.opsPerSec),
        r.target === null ? "—" : `≤ ${fmtTime(r.target)} ${r.met === true ? "✓" : "✗"}`,
      ]),
    ),
  );
  print(`samples per process (median): ${rows.map((r) => `${r.task} ${Math.round(r.figures.samples).toLocaleString("en-US")}`).join(", ")}; setup ${fmtTime(median(results.map((r) => r.setupMs)) * 1e6)}`);
  const targeted = rows.filter((r) => r.met !== null);
  const met = targeted.filter((r) => r.met === true);
  print();
  print(`targets: ${String(met.length)}/${String(targeted.length)} met${met.length === targeted.length ? "" : `; missed: ${targeted.filter((r) => r.met !== true).map((r) => r.task).join(", ")}`} (reported, not asserted)`);
}
finishRun({
  name: "rl-guard",
  smoke,
  machine,
  procs,
  out,
  failures,
  started,
  payload: { budget, units: { time: "ns" }, rows, perProcess: results },
});
