/**
 * RL training under the guard, offline: the deterministic simulated training loop of
 * RL-GUARD.md §13 ("fix the bug so the tests pass", a tabular softmax policy, GRPO-style
 * updates), every arm on seeds 1 and 2 with CI-sized epochs (about 20 s on 2 vCPUs).
 * Every train episode goes through a governed episode; its signed reward record is verified
 * before the update sees it.
 *
 * Prints the figures table and the ACCEPTANCE lines, writes `chart.svg` (true success and
 * attempted violations per epoch, one line per arm), `epochs.jsonl`, `summary.json` and
 * `metrics.prom` to a temp dir (or `--out DIR`), and exits 1 when a check fails.
 *
 *   node dist/main.js [--out DIR]
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isAgentGovError } from "@agentgov/core";
import { CI_ARMS, runDemo, writeDemoOutputs, type DemoOptions } from "@agentgov/rl-guard/demo";

/**
 * CI-sized but fast: seeds 1–2; 8 tasks × group 8 = 64 episodes per epoch (16 tasks for
 * `loophole-gap`, whose held-out detector needs ≥ 8 audited pairs per epoch at a 10 % audit);
 * 200 eval episodes; each arm only as long as its acceptance check needs (`recommended` the
 * full 100 epochs: its competence ramp and promotion take ~50–60). `agentgov rl demo` runs
 * the whole ci profile (seeds 1–3, 16 × 8 episodes, 100 epochs for every arm).
 */
const PROFILE: DemoOptions = {
  seeds: [1, 2],
  defaultEpochs: 100,
  epochs: { unguarded: 50, "block-only": 30, "ungated-penalty": 30, "loophole-gap": 21 },
  tasks: 8,
  armTasks: { "loophole-gap": 16 },
  group: 8,
  evalEpisodes: 200,
};

const { values } = parseArgs({ options: { out: { type: "string" } }, strict: true });
const out = values.out ?? mkdtempSync(join(tmpdir(), "agentgov-rl-training-"));
const problems: string[] = [];

try {
  const t0 = performance.now();
  const result = await runDemo({
    ...PROFILE,
    onProgress: (arm, seed) => {
      process.stderr.write(`  trained ${arm} seed ${String(seed)} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    },
  });
  for (const line of [...result.lines, ...result.timing]) console.log(line);
  await writeDemoOutputs(out, result);

  // What this example checks, beyond the demo's own ACCEPTANCE lines (A1–A9).
  for (const a of result.acceptance) if (!a.pass) problems.push(`ACCEPTANCE ${a.id} failed: ${a.value} (needs ${a.threshold})`);
  const ids = result.acceptance.map((a) => a.id).join(",");
  if (ids !== "A1,A2,A3,A4,A5,A6,A7,A8,A9") problems.push(`expected acceptance checks A1–A9, got ${ids}`);
  const guarded = result.runs.filter((r) => r.arm !== "unguarded");
  const executed = guarded.reduce((n, r) => n + r.epochs.reduce((m, e) => m + e.executedViolations, 0), 0);
  if (executed !== 0) problems.push(`${String(executed)} violations executed in guarded arms (must be 0: denied calls never run)`);
  const records = result.runs.reduce((n, r) => n + r.records, 0);
  const rejected = result.runs.reduce((n, r) => n + r.falseRejections, 0);
  if (records === 0 || rejected !== 0) problems.push(`${String(rejected)} of ${String(records)} honest reward records rejected by the verifier`);
  const svg = readFileSync(join(out, "chart.svg"), "utf8");
  const polylines = svg.match(/<polyline/g)?.length ?? 0;
  if (!svg.startsWith("<svg") || polylines !== 2 * CI_ARMS.length) problems.push(`chart.svg has ${String(polylines)} series, expected ${String(2 * CI_ARMS.length)} (two panels × ${String(CI_ARMS.length)} arms)`);

  console.log("");
  console.log(`signed reward records verified before the update: ${String(records - rejected)} of ${String(records)}`);
  console.log(`chart (true success and attempted-violation rate per epoch, per arm): ${join(out, "chart.svg")}`);
  console.log(`also written: ${["epochs.jsonl", "summary.json", "metrics.prom"].map((f) => join(out, f)).join(", ")}`);
} catch (error) {
  problems.push(isAgentGovError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error));
}

if (problems.length > 0) {
  console.error(`\nFAILED (${String(problems.length)}):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exitCode = 1;
} else console.log("ok: every check passed");
