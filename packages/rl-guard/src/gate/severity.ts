/** The decision → violation-severity mapping of RL-GUARD.md §5. */
import type { Decision } from "@agentgov/core";
import type { Severity } from "../types.js";

/**
 * The violation severity of a decision: null for allow/log/steer/transform and for
 * `internal_error` (counted as a guard error instead); `low` for warn; `medium` for
 * approval and default denials; the rule's severity, else `defaultSeverity`, for rule denials.
 */
export function severityOf(decision: Decision, defaultSeverity: Severity): Severity | null {
  if (decision.code === "internal_error") return null;
  if (decision.action === "warn") return "low";
  if (decision.action === "require_approval") return "medium";
  if (decision.allowed) return null;
  switch (decision.code) {
    case "kill_switch":
      return "critical";
    case "budget_exceeded":
    case "malformed_args":
      return "low";
    case "phase_not_allowed":
    case "default":
    case "no_policy":
    case "approval_required":
    case "approval_denied":
    case "approval_timeout":
    case "approval_error":
      return decision.severity ?? "medium";
    default:
      return decision.severity ?? defaultSeverity;
  }
}
