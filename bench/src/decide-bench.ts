/**
 * One process's share of the decision benchmarks: one rule set (variant × rule count),
 * both engines, the three cases. agentgov's tasks run first, then the anchor's, each in its
 * own tinybench `Bench` so that each side has its own budget.
 */
import { Bench } from "tinybench";
import { checkAnchor, createAnchor } from "./anchor.js";
import { checkOurs, createOurs, ourRequest } from "./ours.js";
import type { Budget, DecideResult, DecideSpec } from "./protocol.js";
import type { Case } from "./scenarios.js";
import { CASES, caseContext, expectation, policyDocument } from "./scenarios.js";
import type { TaskFigures } from "./stats.js";
import { taskFigures } from "./stats.js";

/** Results are written here so that no call is dead code. */
export let blackhole: unknown;

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

function bench(budget: Budget): Bench {
  return new Bench({
    time: budget.timeMs,
    iterations: budget.iterations,
    warmupTime: budget.warmupTimeMs,
    warmupIterations: budget.warmupIterations,
    timestampProvider: "hrtimeNow",
    throws: true,
  });
}

/** Collect garbage before each task so that one task's garbage is not charged to the next. */
const taskOptions = {
  beforeAll: (): void => {
    gc?.();
  },
};

export function runDecide(spec: DecideSpec): DecideResult {
  const doc = policyDocument(spec.variant, spec.rules);

  let t0 = performance.now();
  const ours = createOurs(doc);
  const oursCompileMs = performance.now() - t0;
  t0 = performance.now();
  const anchor = createAnchor(doc);
  const anchorLoadMs = performance.now() - t0;

  // Functional check of this very instance before anything is timed.
  for (const kase of CASES) {
    const ctx = caseContext(kase, spec.rules);
    const want = expectation(kase, spec.rules);
    const bad = checkOurs(ours.decide(ourRequest(ctx)), want) ?? checkAnchor(anchor.decide(ctx), want);
    if (bad !== null) throw new Error(`${spec.variant} ${String(spec.rules)} rules, ${kase}: ${bad}`);
  }

  const b = bench(spec.ours);
  b.add("baseline", () => (blackhole = b), taskOptions);
  for (const kase of CASES) {
    const request = ourRequest(caseContext(kase, spec.rules));
    b.add(`ours:${kase}`, () => (blackhole = ours.decide(request)), taskOptions);
  }
  b.runSync();

  const a = bench(spec.anchor);
  for (const kase of CASES) {
    const ctx = caseContext(kase, spec.rules);
    a.add(`anchor:${kase}`, () => (blackhole = anchor.decide(ctx)), taskOptions);
  }
  a.runSync();

  const pick = (bn: Bench, prefix: string): Record<Case, TaskFigures> => {
    const out = {} as Record<Case, TaskFigures>;
    for (const kase of CASES) out[kase] = taskFigures(bn.getTask(`${prefix}:${kase}`)!);
    return out;
  };
  return {
    kind: "decide",
    variant: spec.variant,
    rules: spec.rules,
    ours: pick(b, "ours"),
    anchor: pick(a, "anchor"),
    baseline: taskFigures(b.getTask("baseline")!),
    oursCompileMs,
    anchorLoadMs,
  };
}
