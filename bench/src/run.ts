/**
 * `npm run bench` (from the root) / `node dist/run.js [--smoke] [--procs N] [--time MS]
 * [--only decide|audit] [--rules 100,10000] [--variant indexed|scan]`.
 *
 * Runs every benchmark in several fresh worker processes (round-robin, one at a time),
 * takes the median of each figure across processes, prints the tables with the targets
 * next to the figures, and writes the figures to `bench/results/latest.json`
 * (`latest-smoke.json` in smoke mode).
 *
 * Exit status: 1 when something did not run or decided wrong (the functional check before
 * timing, a failed worker, a log that does not verify); never because of a timing.
 */
import { cpus, arch, platform } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_MAX_BUFFERED_RECORDS } from "@agentgov/core/audit";
import type { AuditResult, AuditSpec, Budget, DecideResult, DecideSpec, WorkerResult, WorkerSpec } from "./protocol.js";
import { checkDecisions } from "./sanity.js";
import type { Case, Variant } from "./scenarios.js";
import { CASE_LABEL, CASES, RULE_COUNTS, VARIANTS } from "./scenarios.js";
import type { TaskFigures } from "./stats.js";
import { fmtRate, fmtRatio, fmtTime, median, medianFigures, table } from "./stats.js";
import { finishRun, intOption, RESULTS_DIR, runWorker as runWorkerProcess } from "./harness.js";

// ---------------------------------------------------------------- options

const { values: opts } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    procs: { type: "string" },
    time: { type: "string" },
    only: { type: "string" },
    rules: { type: "string" },
    variant: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (opts.help) {
  process.stdout.write(
    [
      "usage: node dist/run.js [options]",
      "  --smoke              1 process, tiny budgets (CI); results in results/latest-smoke.json",
      "  --procs N            worker processes per benchmark (default 5; smoke 1)",
      "  --time MS            tinybench time budget per task (default 500; smoke 15)",
      "  --only decide|audit  run one family",
      "  --rules LIST         rule counts, e.g. 100,10000 (default 10,100,1000,10000)",
      "  --variant V          indexed | scan (default both)",
      "",
    ].join("\n"),
  );
  process.exit(0);
}


const smoke = opts.smoke;
const procs = intOption("procs", opts.procs, smoke ? 1 : 5);
const timeMs = intOption("time", opts.time, smoke ? 15 : 500);
const only = opts.only;
if (only !== undefined && only !== "decide" && only !== "audit") {
  process.stderr.write(`--only must be decide or audit, got '${only}'\n`);
  process.exit(2);
}
const ruleCounts: number[] =
  opts.rules === undefined ? [...RULE_COUNTS] : opts.rules.split(",").map((r) => intOption("rules", r.trim(), 0));
const variants: Variant[] = VARIANTS.filter((v) => opts.variant === undefined || v === opts.variant);
if (variants.length === 0) {
  process.stderr.write(`--variant must be one of ${VARIANTS.join(", ")}\n`);
  process.exit(2);
}

const oursBudget: Budget = smoke
  ? { timeMs, iterations: 16, warmupTimeMs: 5, warmupIterations: 8 }
  : { timeMs, iterations: 64, warmupTimeMs: 100, warmupIterations: 16 };
// The anchor needs ~10-40 ms per call on 10,000 rules: the time budget bounds it, and the
// iteration floor stays small so that it never multiplies that.
const anchorBudget: Budget = smoke
  ? { timeMs, iterations: 2, warmupTimeMs: 0, warmupIterations: 1 }
  : { timeMs, iterations: 5, warmupTimeMs: 50, warmupIterations: 2 };

const workerPath = fileURLToPath(new URL("./worker.js", import.meta.url));

// ---------------------------------------------------------------- targets (reported, never asserted)

interface TargetCheck {
  name: string;
  value: number;
  limit: number;
  kind: "max" | "min";
  met: boolean;
}
const checks: TargetCheck[] = [];

function check(name: string, value: number, limit: number, kind: "max" | "min"): string {
  const met = kind === "max" ? value <= limit : value >= limit;
  checks.push({ name, value, limit, kind, met });
  return met ? "✓" : "✗";
}

/** Target p50 of `decide` for the indexed rule sets, ns. */
const P50_TARGET: Partial<Record<number, number>> = { 100: 1_000, 10_000: 3_000 };
/** Target ratio anchor p50 / agentgov p50 for the indexed rule sets. */
const RATIO_TARGET: Partial<Record<number, number>> = { 100: 50, 10_000: 1_000 };
const DURABLE_NS_PER_RECORD = 3_000;
const VERIFY_PER_SEC = 1_000_000;

// ---------------------------------------------------------------- workers

function runWorker(spec: WorkerSpec, timeout: number): Promise<WorkerResult> {
  return runWorkerProcess<WorkerResult>(workerPath, spec, timeout);
}

function describe(spec: WorkerSpec): string {
  return spec.kind === "decide" ? `decide ${spec.variant} ${String(spec.rules)} rules` : "audit";
}

// ---------------------------------------------------------------- main

const started = performance.now();
const failures: string[] = [];
const log = (s: string): void => void process.stderr.write(`${s}\n`);

const cpuList = cpus();
const machine = `node ${process.version}, ${platform()} ${arch()}, ${String(cpuList.length)} CPU${cpuList.length === 1 ? "" : "s"} (${cpuList[0]?.model.trim() ?? "unknown"})`;
log(`agentgov bench${smoke ? " (smoke)" : ""}: ${machine}`);

const runDecide = only !== "audit";
const runAuditFamily = only !== "decide";

if (runDecide) {
  const t0 = performance.now();
  const problems = checkDecisions(variants, ruleCounts);
  log(`functional check of ${String(variants.length * ruleCounts.length)} rule sets × ${String(CASES.length)} cases × 2 engines: ${problems.length === 0 ? "ok" : "FAILED"} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  for (const p of problems) failures.push(`functional check: ${p}`);
}

const specs: WorkerSpec[] = [];
if (runDecide && failures.length === 0) {
  for (const variant of variants) {
    for (const rules of ruleCounts) {
      specs.push({ kind: "decide", variant, rules, ours: oursBudget, anchor: anchorBudget } satisfies DecideSpec);
    }
  }
}
const auditDir = join(RESULTS_DIR, `tmp-${String(process.pid)}`);
if (runAuditFamily) {
  specs.push({
    kind: "audit",
    append: oursBudget,
    // The largest burst a default sink takes without the event loop turning (beyond it
    // `append` fails closed with AUDIT_UNAVAILABLE): 100,000 records today.
    burst: smoke ? 5_000 : DEFAULT_MAX_BUFFERED_RECORDS,
    burstRounds: smoke ? 1 : 3,
    verifyRecords: smoke ? 5_000 : 200_000,
    verifyRounds: smoke ? 1 : 3,
    dir: auditDir,
  } satisfies AuditSpec);
}

const decideResults = new Map<string, DecideResult[]>();
const auditResults: AuditResult[] = [];
const total = specs.length * procs;
let done = 0;
// Round-robin: every benchmark once per round, so that drift of the machine over the run
// spreads over all of them instead of biasing the last ones.
for (let p = 0; p < procs; p++) {
  for (const spec of specs) {
    done++;
    const t0 = performance.now();
    const what = `${describe(spec)} (process ${String(p + 1)}/${String(procs)})`;
    try {
      const spec1: WorkerSpec = spec.kind === "audit" ? { ...spec, dir: `${spec.dir}-${String(p)}` } : spec;
      const result = await runWorker(spec1, smoke ? 60_000 : 600_000);
      if (result.kind === "decide") {
        const key = `${result.variant}:${String(result.rules)}`;
        decideResults.set(key, [...(decideResults.get(key) ?? []), result]);
      } else {
        auditResults.push(result);
      }
      log(`[${String(done)}/${String(total)}] ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      log(`[${String(done)}/${String(total)}] ${what}: FAILED`);
    }
  }
}

// ---------------------------------------------------------------- report

const out: string[] = [];
const print = (s = ""): void => void out.push(s);

print(`agentgov bench${smoke ? " — SMOKE MODE (tiny budgets; figures are not meaningful)" : ""}`);
print(machine);
print(
  `${String(procs)} process${procs === 1 ? "" : "es"} per benchmark, tinybench ${String(timeMs)} ms per task (anchor: same budget, iteration floor ${String(anchorBudget.iterations)}); figures are medians across processes`,
);

interface DecideRow {
  variant: Variant;
  rules: number;
  case: Case;
  ours: TaskFigures;
  anchor: TaskFigures;
  ratio: number;
}
const decideRows: DecideRow[] = [];
const baselines: number[] = [];
const baselines99: number[] = [];
const compile: { variant: Variant; rules: number; oursMs: number; anchorMs: number }[] = [];

for (const variant of variants) {
  const rows: string[][] = [];
  const loads: string[] = [];
  for (const rules of ruleCounts) {
    const results = decideResults.get(`${variant}:${String(rules)}`);
    if (results === undefined || results.length === 0) continue;
    baselines.push(...results.map((r) => r.baseline.p50));
    baselines99.push(...results.map((r) => r.baseline.p99));
    const oursMs = median(results.map((r) => r.oursCompileMs));
    const anchorMs = median(results.map((r) => r.anchorLoadMs));
    compile.push({ variant, rules, oursMs, anchorMs });
    loads.push(`${rules.toLocaleString("en-US")}: ${oursMs.toFixed(1)} / ${anchorMs.toFixed(1)} ms`);
    for (const kase of CASES) {
      const ours = medianFigures(results.map((r) => r.ours[kase]));
      const anchor = medianFigures(results.map((r) => r.anchor[kase]));
      const ratio = anchor.p50 / ours.p50;
      decideRows.push({ variant, rules, case: kase, ours, anchor, ratio });
      const targets: string[] = [];
      if (variant === "indexed") {
        const p50Limit = P50_TARGET[rules];
        const ratioLimit = RATIO_TARGET[rules];
        const label = `decide ${variant} ${String(rules)} rules ${kase}`;
        if (p50Limit !== undefined) {
          targets.push(`p50 ≤ ${fmtTime(p50Limit)} ${check(`${label} p50`, ours.p50, p50Limit, "max")}`);
        }
        if (ratioLimit !== undefined) {
          targets.push(`≥ ${String(ratioLimit)}× ${check(`${label} ratio`, ratio, ratioLimit, "min")}`);
        }
      }
      rows.push([
        `${rules.toLocaleString("en-US")} rules, ${CASE_LABEL[kase]}`,
        fmtTime(ours.p50),
        fmtTime(ours.p99),
        fmtRate(ours.opsPerSec),
        fmtTime(anchor.p50),
        fmtTime(anchor.p99),
        fmtRatio(ratio),
        targets.length === 0 ? "·" : targets.join(", "),
      ]);
    }
  }
  if (rows.length === 0) continue;
  print();
  print(
    variant === "indexed"
      ? "decide — indexed rule sets: rule i is `tool.name == 'tool_i'`"
      : "decide — scan rule sets: rule i is `args.amount >= 10*i and args.amount < 10*i+10` (no equality to index)",
  );
  print(
    table(
      ["scenario", "agentgov p50", "p99", "ops/s", "anchor p50", "anchor p99", "ratio", "target"],
      rows,
    ),
  );
  print(`rule-set load, agentgov compile / anchor loadJson (median): ${loads.join("; ")}`);
  if (variant === "scan") print("targets are stated for the indexed rule sets; scan rows are for reference");
}
if (baselines.length > 0) {
  print(
    `harness floor: a no-op task measures p50 ${fmtTime(median(baselines))}, p99 ${fmtTime(median(baselines99))} under the same harness; it is included in every per-call figure (not subtracted)`,
  );
}

let auditSummary: Record<string, unknown> | null = null;
if (auditResults.length > 0) {
  const mem = medianFigures(auditResults.map((r) => r.memoryAppend));
  const dur = medianFigures(auditResults.map((r) => r.durableAppend));
  const burstNs = median(auditResults.map((r) => r.burst.nsPerRecord));
  const burstAppendNs = median(auditResults.map((r) => r.burst.appendNsPerRecord));
  const flushMs = median(auditResults.map((r) => r.burst.flushMs));
  const burstRecords = auditResults[0]!.burst.records;
  const verifyRate = median(auditResults.map((r) => r.verify.recordsPerSec));
  const verifyMs = median(auditResults.map((r) => r.verify.ms));
  const verifyRecords = auditResults[0]!.verify.records;
  const verifyBytes = median(auditResults.map((r) => r.verifyFileBytes));
  auditSummary = {
    memoryAppend: mem,
    durableAppend: dur,
    burst: { records: burstRecords, nsPerRecord: burstNs, appendNsPerRecord: burstAppendNs, flushMs },
    verify: { records: verifyRecords, ms: verifyMs, recordsPerSec: verifyRate, fileBytes: verifyBytes },
    perProcess: auditResults,
  };
  print();
  print("audit — records as in ARCHITECTURE.md, Ed25519-signed checkpoints every 1,000 records, fdatasync on, default 5 ms group commit");
  print(
    table(
      ["measure", "p50", "p99", "throughput", "target"],
      [
        ["append → memoryAudit(), per call", fmtTime(mem.p50), fmtTime(mem.p99), fmtRate(mem.opsPerSec), "·"],
        [
          "append → jsonlAudit(fsync), per call, group commit alongside",
          fmtTime(dur.p50),
          fmtTime(dur.p99),
          fmtRate(dur.opsPerSec),
          "·",
        ],
        [
          `durable burst: ${burstRecords.toLocaleString("en-US")} appends + flush(), amortised`,
          `${fmtTime(burstNs)}/rec`,
          "·",
          fmtRate(1e9 / burstNs),
          `≤ ${fmtTime(DURABLE_NS_PER_RECORD)}/rec ${check("durable append amortised", burstNs, DURABLE_NS_PER_RECORD, "max")}`,
        ],
        [
          `verifyAudit(publicKey), ${verifyRecords.toLocaleString("en-US")} records (${(verifyBytes / 1e6).toFixed(1)} MB)`,
          `${verifyMs.toFixed(0)} ms`,
          "·",
          fmtRate(verifyRate),
          `≥ ${fmtRate(VERIFY_PER_SEC)} ${check("verify records/s", verifyRate, VERIFY_PER_SEC, "min")}`,
        ],
      ],
    ),
  );
  print(
    `durable burst split (median): append loop ${fmtTime(burstAppendNs)}/rec, then flush() ${flushMs.toFixed(1)} ms for the whole burst`,
  );
}

if (checks.length > 0) {
  const missed = checks.filter((c) => !c.met);
  print();
  print(
    `targets: ${String(checks.length - missed.length)}/${String(checks.length)} met${missed.length === 0 ? "" : `; missed: ${missed.map((c) => c.name).join(", ")}`} (reported, not asserted)`,
  );
}
finishRun({
  name: "",
  smoke,
  machine,
  procs,
  out,
  failures,
  started,
  payload: { budgets: { ours: oursBudget, anchor: anchorBudget },
      units: { time: "ns", opsPerSec: "calls per second, 1e9 / mean" },
      harnessFloorNs: baselines.length > 0 ? { p50: median(baselines), p99: median(baselines99) } : null,
      decide: decideRows,
      compile,
      decidePerProcess: Object.fromEntries(decideResults),
      audit: auditSummary,
      targets: checks },
});
