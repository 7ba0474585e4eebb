/**
 * Typed errors with stable codes. Every error agentgov throws is an {@link AgentGovError}
 * whose `code` is part of the public API (SCREAMING_SNAKE). A `Symbol.for` brand makes
 * {@link isAgentGovError} work across two installed copies of the package.
 */
import type { Decision } from "./policy/types.js";

const BRAND = Symbol.for("agentgov.error");

/** Stable error codes. */
export type AgentGovErrorCode =
  | "DENIED"
  | "POLICY_LOAD"
  | "INVALID_REQUEST"
  | "INVALID_OPTIONS"
  | "AUDIT_UNAVAILABLE"
  | "AUDIT_IO"
  | "AUDIT_CLOSED"
  | "AUDIT_VERIFY"
  | "INVALID_KEY"
  /** Registry packages' codes (REGISTRY.md §10), branded as agentgov errors. */
  | `REGISTRY_${string}`
  /** RL-guard codes (RL-GUARD.md §11). */
  | `RL_${string}`;

/** Base class of every error agentgov throws. */
export class AgentGovError extends Error {
  /** Stable, machine-readable code. */
  readonly code: AgentGovErrorCode;
  readonly [BRAND] = true;

  constructor(code: AgentGovErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "AgentGovError";
  }
}

/** True for any agentgov error, even one thrown by another installed copy of this package. */
export function isAgentGovError(value: unknown): value is AgentGovError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Thrown by the enforcement path (`enforce`, `govern`) when a call is not allowed to run. */
export class GovernanceDenied extends AgentGovError {
  /** The decision that denied the call. */
  readonly decision: Decision;

  constructor(decision: Decision) {
    const where = decision.matched_rule === null
      ? `no rule matched (${decision.code})`
      : `rule '${decision.matched_rule}' of policy '${decision.policy ?? "?"}' (${decision.code})`;
    super("DENIED", `Denied by ${where}: ${decision.reason}`);
    this.name = "GovernanceDenied";
    this.decision = decision;
  }
}

/** One positioned problem in a policy file. */
export interface PolicyIssue {
  /** File name, or `<inline>` for text given directly. */
  file: string;
  /** 1-based line, 0 when unknown. */
  line: number;
  /** 1-based column, 0 when unknown. */
  col: number;
  /** The offending key path, e.g. `rules[2].condition`, where there is one. */
  key?: string;
  message: string;
  /** The likely fix, where one can be guessed. */
  hint?: string;
}

/** Formats an issue as `file:line:col: message (key) — hint`. */
export function formatPolicyIssue(issue: PolicyIssue): string {
  const key = issue.key === undefined ? "" : ` [${issue.key}]`;
  const hint = issue.hint === undefined ? "" : `; ${issue.hint}`;
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.message}${key}${hint}`;
}

/** A policy failed to load. Carries every issue found, each with file, line and column. */
export class PolicyLoadError extends AgentGovError {
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[]) {
    super("POLICY_LOAD", issues.map(formatPolicyIssue).join("\n"));
    this.name = "PolicyLoadError";
    this.issues = issues;
  }
}
