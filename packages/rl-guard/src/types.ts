/** Shared vocabulary of rl-guard (RL-GUARD.md §11). */
import type { Decision } from "@agentgov/core";

/** Violation severities, most severe first. */
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
/** A violation severity. */
export type Severity = (typeof SEVERITIES)[number];
/** Counts per severity. */
export type SeverityCounts = Record<Severity, number>;

/** A tool call as the model emitted it. */
export interface ToolCall {
  id: string;
  name: string;
  args: unknown;
}

/** Episode mode: train episodes are shaped, val episodes are not (unless `shape_val`). */
export type EpisodeMode = "train" | "val";

/** Identity of one episode attempt. */
export interface EpisodeRef {
  runId: string;
  rolloutId: string;
  attemptId: string;
  mode: EpisodeMode;
  groupId?: string;
}

/** The gate's answer for one call. */
export interface GateDecision {
  /** The core decision, unchanged (or synthesised for `malformed_args`, `phase_not_allowed`, budgets). */
  decision: Decision;
  /** Violation severity; null when the call is not a violation. */
  severity: Severity | null;
  /** True when the call may execute. */
  permitted: boolean;
  /** True when the episode was aborted by this call. */
  terminate: boolean;
  /** The observation to hand back to the model for a refused call; null when permitted. */
  observation: string | null;
}

/** Zeroed severity counts. */
export function zeroCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0 };
}

/** True for a known severity. */
export function isSeverity(value: unknown): value is Severity {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}
