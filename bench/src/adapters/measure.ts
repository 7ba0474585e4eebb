/**
 * One process's measurement of one framework:
 * 1. both loops (ungoverned, governed) and the kernel are built in this process;
 * 2. the functional check runs on these very loops (tool ran / denied tool did not run);
 * 3. reference tasks: a no-op async task (the harness floor) and `kernel.enforce()` of the
 *    same call without any framework (decide + two audit appends);
 * 4. an untimed warm-up, the two sides alternating run by run;
 * 5. timed blocks alternating ungoverned / governed (A B B A A B …), tinybench timing every
 *    run (`hrtimeNow`); the scripted model is refilled in `beforeEach`, outside the timed
 *    call. Short blocks interleave the sides finely: the machine's drift (other processes,
 *    JIT, heap growth) hits both alike, which matters since the figure of interest is a
 *    difference of two p50s;
 * 6. the side effects must match the runs: every ungoverned and governed run executed the
 *    tool once, every governed run (and enforce call) wrote two audit records, the denied
 *    tool never ran.
 */
import { Bench } from "tinybench";
import type { Budget } from "../protocol.js";
import { sampleFigures, taskFigures } from "../stats.js";
import { checkLoops } from "./check.js";
import type { Counters, Loop } from "./common.js";
import { AGENT, ALLOWED_TOOL, ARGS, benchKernel, CALL_ID, loadFactory, readFileBody } from "./common.js";
import type { AdapterResult, AdapterSpec, Side } from "./protocol.js";

/** Results are written here so that no run is dead code. */
export let blackhole: unknown;

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

function bench(budget: Budget, retainSamples = false): Bench {
  return new Bench({
    time: budget.timeMs,
    iterations: budget.iterations,
    warmup: budget.warmupTimeMs > 0 || budget.warmupIterations > 0,
    warmupTime: budget.warmupTimeMs,
    warmupIterations: budget.warmupIterations,
    timestampProvider: "hrtimeNow",
    throws: true,
    retainSamples,
  });
}

/** Side of block i: A B B A A B B A … */
function sideOf(i: number, first: Side): Side {
  const other: Side = first === "governed" ? "ungoverned" : "governed";
  return ((i + 1) >> 1) % 2 === 0 ? first : other;
}

export async function measureAdapter(spec: AdapterSpec): Promise<AdapterResult> {
  const where = spec.framework;
  const counters: Counters = { read: 0, delete: 0 };
  const t0 = performance.now();
  const factory = await loadFactory(spec.framework);
  const { kernel, audit } = benchKernel();
  const loops = factory(kernel, counters);
  const setupMs = performance.now() - t0;

  // 2. Functional check of these very loops before anything is timed.
  const problems = await checkLoops(loops, counters, audit);
  if (problems.length > 0) throw new Error(`${where}: functional check failed:\n  ${problems.join("\n  ")}`);
  const read0 = counters.read;
  const delete0 = counters.delete;
  const seq0 = audit.head().seq;
  const denied0 = kernel.stats.denied;

  // 3. Reference tasks.
  const ref = bench(spec.reference);
  ref.add("baseline", async () => {
    blackhole = await Promise.resolve(ref);
  });
  const request = {
    agent: AGENT,
    stage: "pre_tool" as const,
    context: { tool: { name: ALLOWED_TOOL }, args: { ...ARGS }, action: { type: ALLOWED_TOOL }, run: { id: "bench-run" } },
  };
  let enforceCalls = 0;
  ref.add("enforce", async () => {
    enforceCalls++;
    blackhole = await kernel.enforce(request, (args) => readFileBody(args as { path: string }, counters), { callId: CALL_ID });
  });
  gc?.();
  await ref.run();
  const baseline = taskFigures(ref.getTask("baseline")!);
  const enforce = taskFigures(ref.getTask("enforce")!);

  // 4. Warm-up, untimed, alternating run by run.
  const loopOf: Record<Side, Loop> = { ungoverned: loops.ungoverned, governed: loops.governed };
  const runs: Record<Side, number> = { ungoverned: 0, governed: 0 };
  const warmEnd = performance.now() + spec.warmupMs;
  for (let i = 0; i < 4 || performance.now() < warmEnd; i++) {
    const side = sideOf(i, spec.first);
    loopOf[side].prepare();
    runs[side]++;
    blackhole = await loopOf[side].run();
  }

  // 5. Timed blocks.
  const samples: Record<Side, number[]> = { ungoverned: [], governed: [] };
  const blocks = Math.max(1, Math.ceil(spec.timeMs / spec.blockMs));
  gc?.();
  for (let i = 0; i < 2 * blocks; i++) {
    const side = sideOf(i, spec.first);
    const loop = loopOf[side];
    const b = bench({ timeMs: spec.blockMs, iterations: 1, warmupTimeMs: 0, warmupIterations: 0 }, true);
    b.add(
      side,
      async () => {
        runs[side]++;
        blackhole = await loop.run();
      },
      {
        beforeEach: (): void => {
          loop.prepare();
        },
      },
    );
    await b.run();
    const task = b.getTask(side)!;
    taskFigures(task); // throws when the task failed
    const s = task.result.state === "completed" ? task.result.latency.samples : undefined;
    if (s === undefined) throw new Error(`${where} ${side}: tinybench kept no samples`);
    for (const ms of s) samples[side].push(ms * 1e6); // tinybench reports milliseconds
  }

  // 6. The runs did what the check says they do.
  const ran = counters.read - read0;
  const expectedRan = runs.ungoverned + runs.governed + enforceCalls;
  if (ran !== expectedRan) throw new Error(`${where}: ${String(expectedRan)} runs and enforce calls, but the tool ran ${String(ran)} times`);
  const records = audit.head().seq - seq0;
  const expectedRecords = 2 * (runs.governed + enforceCalls);
  if (records !== expectedRecords) {
    throw new Error(`${where}: ${String(runs.governed)} governed runs and ${String(enforceCalls)} enforce calls, but ${String(records)} audit records (expected ${String(expectedRecords)})`);
  }
  if (counters.delete !== delete0) throw new Error(`${where}: the denied tool ran while timing`);
  if (kernel.stats.denied !== denied0) throw new Error(`${where}: ${String(kernel.stats.denied - denied0)} calls were denied while timing`);

  return {
    framework: spec.framework,
    ungoverned: sampleFigures(samples.ungoverned),
    governed: sampleFigures(samples.governed),
    enforce,
    baseline,
    runs,
    blocks,
    auditRecords: records,
    setupMs,
  };
}
