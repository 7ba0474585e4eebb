/**
 * Policy documents (POLICY.md §1): the input shape, as written in YAML or passed as an
 * object, and the normalised shape the compiler works from (aliases resolved, defaults
 * filled).
 */
import type { ConflictStrategy, RuleAction, Stage } from "./types.js";

/** Accepted `apiVersion` values (`governance.toolkit/v1` is the same schema). */
export const API_VERSIONS = ["agentgov/v1", "governance.toolkit/v1"] as const;
/** Rule severities. */
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
/** A rule's severity. */
export type Severity = (typeof SEVERITIES)[number];

/** A rule as written. Exactly one of `action`, `ruleAction`, `effect` gives the outcome (absent: deny). */
export interface PolicyRuleInput {
  name: string;
  description?: string;
  condition?: string;
  action?: RuleAction;
  ruleAction?: RuleAction;
  effect?: RuleAction;
  priority?: number;
  enabled?: boolean;
  stage?: Stage;
  message?: string;
  severity?: Severity;
  approvers?: string[];
  quorum?: number;
  limit?: string;
  redact?: string[];
  set?: Record<string, unknown>;
  /** Toolkit compatibility: the rule applies only on these surfaces (`context.surface`). */
  surfaces?: string[];
}

/** A policy document as written. */
export interface PolicyDocument {
  apiVersion: (typeof API_VERSIONS)[number];
  name: string;
  description?: string;
  /** Toolkit compatibility: a version label, recorded but not interpreted. */
  version?: string | number;
  agents?: string[];
  /** Toolkit compatibility: a single agent glob (same as `agents: [agent]`). */
  agent?: string;
  scope?: "global" | "agent";
  mode?: "enforce" | "shadow";
  default_action?: "allow" | "deny";
  conflict_strategy?: ConflictStrategy;
  rules?: PolicyRuleInput[];
}

/** A rate limit: at most `count` calls per `windowMs`. */
export interface RateLimit {
  count: number;
  windowMs: number;
  /** As written, e.g. `100/minute`. */
  text: string;
}

/** A rule after validation: outcome key resolved, defaults filled. */
export interface NormalizedRule {
  name: string;
  description?: string;
  condition?: string;
  action: RuleAction;
  priority: number;
  enabled: boolean;
  stage: Stage;
  message?: string;
  severity?: Severity;
  approvers?: string[];
  quorum?: number;
  limit?: RateLimit;
  redact?: string[];
  set?: Record<string, unknown>;
  surfaces?: string[];
}

/** A policy after validation. */
export interface NormalizedPolicy {
  apiVersion: string;
  name: string;
  description?: string;
  version?: string | number;
  agents: string[];
  scope: "global" | "agent";
  mode: "enforce" | "shadow";
  default_action: "allow" | "deny";
  conflict_strategy?: ConflictStrategy;
  rules: NormalizedRule[];
  /** Where it came from, for messages. */
  file: string;
}
