/**
 * What the parent (`run.ts`) asks a worker process (`worker.ts`) to measure, and what the
 * worker prints back: one JSON line on stdout.
 */
import type { Case, Variant } from "./scenarios.js";
import type { TaskFigures } from "./stats.js";

/** tinybench budgets of one group of tasks. */
export interface Budget {
  /** Time budget per task, ms (tinybench `time`). */
  timeMs: number;
  /** Minimum calls per task (tinybench `iterations`); the time budget usually decides. */
  iterations: number;
  warmupTimeMs: number;
  warmupIterations: number;
}

export interface DecideSpec {
  kind: "decide";
  variant: Variant;
  rules: number;
  ours: Budget;
  /** The anchor takes milliseconds per call on large rule sets: a small iteration floor. */
  anchor: Budget;
}

export interface AuditSpec {
  kind: "audit";
  /** Budget of the per-call append tasks. */
  append: Budget;
  /** Records per durable burst (appended back to back, then one `flush()`). */
  burst: number;
  /** Timed bursts (after one untimed warm-up burst). */
  burstRounds: number;
  /** Records in the file that `verifyAudit` reads. */
  verifyRecords: number;
  /** Timed verifications of that file. */
  verifyRounds: number;
  /** Directory for the durable logs (created and removed by the worker). */
  dir: string;
}

export type WorkerSpec = DecideSpec | AuditSpec;

export interface DecideResult {
  kind: "decide";
  variant: Variant;
  rules: number;
  ours: Record<Case, TaskFigures>;
  anchor: Record<Case, TaskFigures>;
  /** A no-op task under the same harness: the timer and loop cost inside every sample. */
  baseline: TaskFigures;
  /** Compile time of the rule set, ms (not part of any per-call figure). */
  oursCompileMs: number;
  anchorLoadMs: number;
}

export interface BurstFigures {
  records: number;
  /** Whole burst, appends plus the final `flush()`, per record. */
  nsPerRecord: number;
  /** The append loop alone, per record. */
  appendNsPerRecord: number;
  /** The final `flush()`. */
  flushMs: number;
}

export interface VerifyFigures {
  records: number;
  ms: number;
  recordsPerSec: number;
}

export interface AuditResult {
  kind: "audit";
  memoryAppend: TaskFigures;
  durableAppend: TaskFigures;
  burst: BurstFigures;
  verify: VerifyFigures;
  /** Size of the verified file, bytes. */
  verifyFileBytes: number;
}

export type WorkerResult = DecideResult | AuditResult;
