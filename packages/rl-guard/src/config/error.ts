/** The configuration error: every positioned problem of one load. */
import { AgentGovError, formatPolicyIssue, type PolicyIssue } from "@agentgov/core";

/** Thrown when `agentgov-rl.yaml` does not load; code `RL_CONFIG_INVALID`. */
export class RlConfigError extends AgentGovError {
  /** Every problem found, each with file, line and column. */
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[]) {
    super("RL_CONFIG_INVALID", issues.map(formatPolicyIssue).join("\n"));
    this.name = "RlConfigError";
    this.issues = issues;
  }
}
