/** The compiled `agentgov-rl.yaml` configuration (RL-GUARD.md §4). */
import type { ConflictStrategy, PolicyEngine } from "@agentgov/core";
import type { Severity, SeverityCounts } from "../types.js";

/** Per-episode budgets; absent = unlimited. */
export interface Budgets {
  max_tool_calls?: number;
  max_calls_per_tool?: number;
  max_model_calls?: number;
  max_tokens?: number;
  max_wall_ms?: number;
  max_cost_usd?: number;
  max_consecutive_denied?: number;
}

/** Comparison operators of schedule terms. */
export type TermOp = "<=" | ">=" | "<" | ">";

/** One schedule term: `metric op value`, held for `for` consecutive epochs or evals. */
export interface ScheduleTerm {
  metric: string;
  op: TermOp;
  value: number;
  for: number;
  over: "epochs" | "evals";
}

/** Terms combined with `all` or `any`. */
export interface ScheduleCondition {
  combine: "all" | "any";
  terms: readonly ScheduleTerm[];
}

/** One phase of the schedule, with its compiled policy engine (base + phase policies). */
export interface PhaseConfig {
  name: string;
  allowTools: readonly string[];
  budgets: Readonly<Budgets>;
  promoteWhen: ScheduleCondition | null;
  demoteWhen: ScheduleCondition | null;
  engine: PolicyEngine;
  /** hex SHA-256 of canonical `{policy_digest, phase, allow_tools, budgets, shaping}`. */
  policyVersion: string;
}

/** How σ evolves. */
export type RampConfig =
  | { kind: "competence"; metric: string; threshold: number; step: number; windowEpochs: number }
  | { kind: "warmup"; startEpoch: number; rampEpochs: number }
  | { kind: "none" };

/** Shaping mode (§6). */
export type ShapingMode = "penalize" | "screen" | "observe";

/** The Agent Governance Toolkit `RewardConfig` arithmetic (§6, parity only). */
export interface AgtCompatConfig {
  weights: SeverityCounts;
  cleanBonus: number;
  multiplicative: boolean;
  factor: number;
  clamp: readonly [number, number];
}

/** Reward shaping (§6). */
export interface ShapingConfig {
  mode: ShapingMode;
  weights: Readonly<SeverityCounts>;
  floor: number;
  clamp: readonly [number, number];
  ramp: RampConfig;
  cleanBonus: number;
  terminateOn: readonly Severity[];
  shapeVal: boolean;
  agtCompat: AgtCompatConfig | null;
}

/** Detector action. */
export type AnomalyAction = "alert" | "quarantine" | "pause" | "kill";

/** The held-out gap detector D2. */
export interface HeldoutConfig {
  auditFraction: number;
  maxGap: number;
  consecutive: number;
  minPairs: number;
  action: AnomalyAction;
}

/** D1: a spike of task reward with an effort drop. */
export interface SpikeConfig {
  window: number;
  minEpochs: number;
  z: number;
  effortDrop: number;
  zAlone: number;
  action: AnomalyAction;
}

/** The detectors beyond D2 and D5; null = disabled (absent from the config). */
export interface DetectorsConfig {
  spike: SpikeConfig | null;
  /** D3: share of episodes at the maximum reward jumps above its trailing median. */
  ceiling: { jump: number; action: AnomalyAction } | null;
  /** D4: a new rule after warm-up, or a rising attempted-violation rate. */
  surge: { warmupEpochs: number; rise: number; consecutive: number; action: AnomalyAction } | null;
}

/** A fully validated, frozen configuration. */
export interface CompiledRlConfig {
  readonly file: string;
  readonly run: { readonly id: string; readonly agent: string; readonly epochSize: number };
  readonly strategy: ConflictStrategy;
  readonly defaultSeverity: Severity;
  readonly toolKinds: Readonly<Record<string, string>>;
  /** Hosts `net/egress` lets through (`facets.url.allowed`). */
  readonly egressAllow: readonly string[];
  /** Path prefixes that are the grader's (`facets.grader`). */
  readonly graderPaths: readonly string[];
  readonly cooldownEpochs: number;
  readonly phases: readonly PhaseConfig[];
  readonly shaping: ShapingConfig;
  readonly heldout: HeldoutConfig | null;
  /** D1, D3, D4. */
  readonly detectors: DetectorsConfig;
  /** What a verification failure (D5) does. */
  readonly integrityAction: AnomalyAction;
  readonly killSwitch: { readonly stateFile: string | null };
  readonly signing: { readonly keyFile: string | null; readonly trustedKeys: readonly string[]; readonly integrityFloor: number };
  /** Warnings the loader raised (e.g. `agt_compat` pays a clean bonus). */
  readonly warnings: readonly string[];
}
