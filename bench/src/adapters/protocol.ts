/**
 * What the parent (`adapters/run.ts`) asks a worker process (`adapters/worker.ts`) to
 * measure, and what the worker prints back: one JSON line on stdout.
 */
import type { Budget } from "../protocol.js";
import type { TaskFigures } from "../stats.js";
import type { Framework } from "./common.js";

export type Side = "ungoverned" | "governed";

export interface AdapterSpec {
  framework: Framework;
  /** Timed budget per side, ms: the sum of that side's blocks. */
  timeMs: number;
  /**
   * tinybench time budget of one block, ms. Blocks alternate ungoverned / governed
   * (A B B A A B …) so that drift of the machine during the process hits both sides alike;
   * a side's samples are pooled over its blocks.
   */
  blockMs: number;
  /** Untimed warm-up before the first block, ms, the two sides alternating run by run. */
  warmupMs: number;
  /** The side of the first block (alternated across processes by the parent). */
  first: Side;
  /** tinybench budget of the reference tasks (`kernel.enforce` alone, the no-op floor). */
  reference: Budget;
}

export interface AdapterResult {
  framework: Framework;
  /** Per-run figures of the ungoverned loop (samples pooled over this process's blocks), ns. */
  ungoverned: TaskFigures;
  /** Per-run figures of the governed loop, ns. */
  governed: TaskFigures;
  /** `kernel.enforce()` of the same call without any framework: decide + two audit appends. */
  enforce: TaskFigures;
  /** A no-op async task under the same harness: the timer and `await` cost in every sample. */
  baseline: TaskFigures;
  /** Runs of each side, warm-up included (every one checked against the side effects). */
  runs: Record<Side, number>;
  /** Timed blocks per side. */
  blocks: number;
  /** Audit records written while timing (2 per governed run and per enforce call). */
  auditRecords: number;
  /** Loading the framework and building both loops and the kernel, ms; not part of any figure. */
  setupMs: number;
}
