/** What the parent (`rl-guard/run.ts`) asks a worker for, and the JSON line the worker prints. */
import type { Budget } from "../protocol.js";
import type { TaskFigures } from "../stats.js";

/** The timed tasks. */
export const RL_TASKS = ["gate-permitted", "gate-denied", "gate-executed", "begin", "finish", "verify-20", "ed25519-sign", "ed25519-verify"] as const;
export type RlTask = (typeof RL_TASKS)[number];

export interface RlSpec {
  budget: Budget;
}

export interface RlResult {
  figures: Record<RlTask, TaskFigures>;
  /** Side effects the parent checks: gates by outcome per task, verifications that failed. */
  counts: { permittedDenied: number; deniedPermitted: number; verifyFailed: number; episodes: number };
  setupMs: number;
}
