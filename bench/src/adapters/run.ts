/**
 * `node dist/adapters/run.js [--smoke] [--procs N] [--time MS] [--block MS] [--only LIST]`
 * (second half of `npm run bench`).
 *
 * The cost of governing one tool call through each framework's REAL agent loop, driven by
 * the framework's own scripted test model: the same loop with and without the agentgov
 * adapter, in the same process (LangChain `createAgent` ± `governanceMiddleware`, OpenAI
 * Agents `run()` ± `governAgent`, AI SDK `generateText` ± `governTools`). A run is one loop:
 * model → one tool call → model → final text. Every framework is measured in several fresh
 * worker processes (round-robin, one at a time); figures are medians across processes.
 * Results go to `bench/results/adapters-latest.json` (`adapters-latest-smoke.json`).
 *
 * Exit status: 1 when something did not run as it should (the functional check before
 * timing: the governed tool ran, the denied one did not; a failed worker); never because of
 * a timing.
 */
import { arch, cpus, platform } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Budget } from "../protocol.js";
import type { TaskFigures } from "../stats.js";
import { fmtRatio, fmtTime, median, medianFigures, table } from "../stats.js";
import { checkLoops } from "./check.js";
import type { Framework } from "./common.js";
import { benchKernel, FRAMEWORK_LABEL, FRAMEWORKS, loadFactory } from "./common.js";
import type { AdapterResult, AdapterSpec } from "./protocol.js";
import { finishRun, intOption, runWorker as runWorkerProcess } from "../harness.js";

// ---------------------------------------------------------------- options

const { values: opts } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    procs: { type: "string" },
    time: { type: "string" },
    block: { type: "string" },
    only: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (opts.help) {
  process.stdout.write(
    [
      "usage: node dist/adapters/run.js [options]",
      "  --smoke        1 process, tiny budgets (CI); results in results/adapters-latest-smoke.json",
      "  --procs N      worker processes per framework (default 5; smoke 1)",
      "  --time MS      timed budget per side per process (default 2000; smoke 100)",
      "  --block MS     tinybench budget of one alternating block (default 20; smoke 10)",
      `  --only LIST    frameworks, e.g. langchain,ai-sdk (default ${FRAMEWORKS.join(",")})`,
      "",
    ].join("\n"),
  );
  process.exit(0);
}


const smoke = opts.smoke;
const procs = intOption("procs", opts.procs, smoke ? 1 : 5);
const timeMs = intOption("time", opts.time, smoke ? 100 : 2_000);
const blockMs = intOption("block", opts.block, smoke ? 10 : 20);
const warmupMs = smoke ? 20 : 300;
const reference: Budget = smoke
  ? { timeMs: 15, iterations: 16, warmupTimeMs: 5, warmupIterations: 8 }
  : { timeMs: 300, iterations: 64, warmupTimeMs: 100, warmupIterations: 16 };

const only = opts.only?.split(",").map((s) => s.trim());
const unknown = only?.filter((f) => !(FRAMEWORKS as readonly string[]).includes(f)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(`--only: unknown framework(s) ${unknown.join(", ")}; expected ${FRAMEWORKS.join(", ")}\n`);
  process.exit(2);
}
const frameworks: Framework[] = FRAMEWORKS.filter((f) => only === undefined || only.includes(f));

/** Target: the adapter adds at most this much per governed tool call, p50, ns. */
const ADDED_TARGET_NS = 20_000;

const workerPath = fileURLToPath(new URL("./worker.js", import.meta.url));

// ---------------------------------------------------------------- workers

function runWorker(spec: AdapterSpec, timeout: number): Promise<AdapterResult> {
  return runWorkerProcess<AdapterResult>(workerPath, spec, timeout);
}

// ---------------------------------------------------------------- main

const started = performance.now();
const failures: string[] = [];
const log = (s: string): void => void process.stderr.write(`${s}\n`);

const cpuList = cpus();
const machine = `node ${process.version}, ${platform()} ${arch()}, ${String(cpuList.length)} CPU${cpuList.length === 1 ? "" : "s"} (${cpuList[0]?.model.trim() ?? "unknown"})`;
log(`agentgov adapter bench${smoke ? " (smoke)" : ""}: ${machine}`);

// Functional check, in this process, before any worker is started: per framework, the
// ungoverned and governed tool ran, the denied one did not (each worker checks again).
for (const framework of frameworks) {
  const t0 = performance.now();
  let problems: string[];
  try {
    const counters = { read: 0, delete: 0 };
    const { kernel, audit } = benchKernel();
    const factory = await loadFactory(framework);
    problems = await checkLoops(factory(kernel, counters), counters, audit);
  } catch (error) {
    problems = [`could not build the loops: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`];
  }
  log(`functional check, ${framework}: ${problems.length === 0 ? "ok" : "FAILED"} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  for (const p of problems) failures.push(`functional check, ${framework}: ${p}`);
}

const results = new Map<Framework, AdapterResult[]>();
if (failures.length === 0) {
  const total = frameworks.length * procs;
  let done = 0;
  // Round-robin: every framework once per round, so that drift of the machine over the run
  // spreads over all of them; the side timed first alternates from round to round.
  for (let p = 0; p < procs; p++) {
    for (const framework of frameworks) {
      done++;
      const t0 = performance.now();
      const what = `${framework} (process ${String(p + 1)}/${String(procs)})`;
      const spec: AdapterSpec = { framework, timeMs, blockMs, warmupMs, first: p % 2 === 0 ? "ungoverned" : "governed", reference };
      try {
        const result = await runWorker(spec, smoke ? 60_000 : 300_000);
        results.set(framework, [...(results.get(framework) ?? []), result]);
        log(`[${String(done)}/${String(total)}] ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } catch (error) {
        failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
        log(`[${String(done)}/${String(total)}] ${what}: FAILED`);
      }
    }
  }
}

// ---------------------------------------------------------------- report

const out: string[] = [];
const print = (s = ""): void => void out.push(s);

print(`agentgov adapter bench${smoke ? " — SMOKE MODE (tiny budgets; figures are not meaningful)" : ""}`);
print(machine);
print(
  `${String(procs)} process${procs === 1 ? "" : "es"} per framework; per process ${String(timeMs)} ms of timed runs per side in ${String(blockMs)} ms tinybench blocks alternating ungoverned/governed; figures are medians across processes`,
);
print("a run = the framework's real agent loop with its scripted test model: model → 1 tool call → model → final text; the governed run makes one governed call (decide + 2 audit appends)");

interface Row {
  framework: Framework;
  ungoverned: TaskFigures;
  governed: TaskFigures;
  /** Median across processes of (governed p50 − ungoverned p50), ns. */
  addedP50: number;
  addedMin: number;
  addedMax: number;
  /** governed p50 / ungoverned p50 (medians across processes). */
  ratio: number;
  targetMet: boolean;
  runsPerSide: number;
}
const rows: Row[] = [];
for (const framework of frameworks) {
  const list = results.get(framework);
  if (list === undefined || list.length === 0) continue;
  const ungoverned = medianFigures(list.map((r) => r.ungoverned));
  const governed = medianFigures(list.map((r) => r.governed));
  const added = list.map((r) => r.governed.p50 - r.ungoverned.p50);
  const addedP50 = median(added);
  rows.push({
    framework,
    ungoverned,
    governed,
    addedP50,
    addedMin: Math.min(...added),
    addedMax: Math.max(...added),
    ratio: governed.p50 / ungoverned.p50,
    targetMet: addedP50 <= ADDED_TARGET_NS,
    runsPerSide: median(list.map((r) => Math.min(r.ungoverned.samples, r.governed.samples))),
  });
}

const signed = (ns: number): string => (ns < 0 ? `−${fmtTime(-ns)}` : `+${fmtTime(ns)}`);
if (rows.length > 0) {
  print();
  print("one tool call through the real agent loop, ungoverned vs governed (per run)");
  print(
    table(
      ["framework", "ungoverned p50", "governed p50", "added / call p50", `added, ${procs === 1 ? "process" : "range over processes"}`, "ratio", "target"],
      rows.map((r) => [
        FRAMEWORK_LABEL[r.framework],
        fmtTime(r.ungoverned.p50),
        fmtTime(r.governed.p50),
        signed(r.addedP50),
        procs === 1 ? signed(r.addedP50) : `${signed(r.addedMin)} … ${signed(r.addedMax)}`,
        fmtRatio(r.ratio),
        `added ≤ ${fmtTime(ADDED_TARGET_NS)} p50 ${r.targetMet ? "✓" : "✗"}`,
      ]),
    ),
  );
  print(
    "added / call = median across processes of (governed p50 − ungoverned p50) in each process; ratio = governed p50 / ungoverned p50; p99: " +
      rows.map((r) => `${r.framework} ${fmtTime(r.ungoverned.p99)} / ${fmtTime(r.governed.p99)}`).join(", ") +
      ` (ungoverned / governed); ~${rows.map((r) => r.runsPerSide.toLocaleString("en-US")).join(" / ")} timed runs per side per process`,
  );
  const all = [...results.values()].flat();
  print(
    `reference, same processes: kernel.enforce() of the same call without any framework (decide + 2 audit appends into memoryAudit) p50 ${fmtTime(median(all.map((r) => r.enforce.p50)))}, p99 ${fmtTime(median(all.map((r) => r.enforce.p99)))}; harness floor (no-op async task) p50 ${fmtTime(median(all.map((r) => r.baseline.p50)))}, included in every figure`,
  );
  const met = rows.filter((r) => r.targetMet).length;
  print();
  print(
    `targets: ${String(met)}/${String(rows.length)} met${met === rows.length ? "" : `; missed: ${rows.filter((r) => !r.targetMet).map((r) => r.framework).join(", ")}`} (reported, not asserted)`,
  );
}
finishRun({
  name: "adapters",
  smoke,
  machine,
  procs,
  out,
  failures,
  started,
  payload: { budgets: { timeMsPerSide: timeMs, blockMs, warmupMs, reference },
      units: { time: "ns" },
      target: { addedP50MaxNs: ADDED_TARGET_NS },
      rows,
      perProcess: Object.fromEntries(results) },
});
