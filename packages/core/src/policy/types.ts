/**
 * The decision contract of POLICY.md §2 and §5: requests, decisions, reason codes.
 */

/** Stages at which a decision is taken. */
export const STAGES = ["input", "pre_tool", "post_tool", "handoff", "output"] as const;
/** A stage at which a decision is taken. */
export type Stage = (typeof STAGES)[number];

/** Outcomes a rule can have. */
export const RULE_ACTIONS = ["allow", "deny", "require_approval", "warn", "log", "steer", "transform"] as const;
/** The outcome of a rule or decision. */
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** Conflict strategies of POLICY.md §4. */
export const CONFLICT_STRATEGIES = [
  "priority_first_match",
  "deny_overrides",
  "allow_overrides",
  "most_specific_wins",
] as const;
/** How several matching rules are resolved. */
export type ConflictStrategy = (typeof CONFLICT_STRATEGIES)[number];

/** Reserved reason codes. Adapters and guards may add their own lower_snake codes. */
export type ReasonCode =
  | "rule"
  | "default"
  | "no_policy"
  | "rate_limited"
  | "evaluation_error"
  | "invalid_request"
  | "approval_required"
  | "approval_denied"
  | "approval_timeout"
  | "approval_error"
  | "kill_switch"
  | "quarantined"
  | "internal_error"
  | "audit_unavailable"
  | "capability_exceeded"
  | "budget_exceeded"
  | "phase_not_allowed"
  | "malformed_args"
  | "operator_control"
  /** The remote kernel's sidecar could not be reached (connection refused or reset, 5xx). */
  | "remote_unavailable"
  /** The sidecar did not answer within the remote kernel's `timeoutMs`. */
  | "remote_timeout"
  /** The sidecar's answer was not a valid decision (not JSON, oversized, wrong shape). */
  | "remote_invalid_answer"
  /** The sidecar refused the remote kernel's token (401/403). */
  | "remote_unauthorized"
  /** The sidecar refused the request itself (another 4xx: too large, malformed). */
  | "remote_rejected";

/** The acting agent: an id, or an identity object. */
export type AgentRef = string | { id: string; name?: string; role?: string; [k: string]: unknown };

/** What a caller asks the kernel to decide. */
export interface DecisionRequest {
  agent: AgentRef;
  /** Default `pre_tool`. An unknown stage is a malformed request (deny `invalid_request`). */
  stage?: Stage;
  /** The document conditions read (POLICY.md §2). */
  context: Record<string, unknown>;
}

/** Why one rule did or did not take part in a decision (with `explain`). */
export interface RuleTrace {
  policy: string;
  rule: string;
  result: "matched" | "not_matched" | "errored" | "disabled" | "other_stage" | "shadow" | "policy_not_applicable" | "not_reached";
  /** The evaluation error, when `result` is `errored`. */
  error?: string;
}

/** An evaluation error recorded in a decision (always present when one occurred). */
export interface EvaluationErrorNote {
  policy: string;
  rule: string;
  error: string;
}

/** A decision: a plain value, never an exception. */
export interface Decision {
  /** True for allow, warn, log, steer, transform. */
  allowed: boolean;
  action: RuleAction;
  /** Null when a default decided. */
  matched_rule: string | null;
  policy: string | null;
  code: ReasonCode;
  /** Human text: the rule's message or a generated one. */
  reason: string;
  rate_limited?: true;
  approvers?: string[];
  quorum?: number;
  transform?: { set?: Record<string, unknown>; redact?: string[] };
  severity?: "critical" | "high" | "medium" | "low";
  shadow?: Omit<Decision, "shadow">[];
  /** Evaluation errors met while deciding (POLICY.md §3: recorded in the decision and the audit). */
  errors?: EvaluationErrorNote[];
  /** sha256 of the canonical compiled policy set. */
  policy_digest: string;
  trace?: RuleTrace[];
}

/** Options of one `decide` call. */
export interface DecideOptions {
  /** Add a `trace` of every rule considered and why. */
  explain?: boolean;
  /**
   * Decide without side effects: a winning rule's rate limit is checked but the call is not
   * counted (for previews such as whether to offer a handoff at all).
   */
  dryRun?: boolean;
}
