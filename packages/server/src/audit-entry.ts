/**
 * Audit entries for decisions taken over HTTP: the same fields the kernel's enforcement
 * path records (agent, stage, tool, action, run and call ids, the args digest and the
 * redacted arguments, the decision summary, the policy digest).
 */
import { decisionAuditEntry, type AuditEntry, type Decision, type DecisionRequest } from "@agentgov/core";

/**
 * The entry of a decision record (`kind: decision`), built by core exactly as
 * `kernel.enforce` builds it — except a `require_approval` decision, recorded before anyone
 * asked for the approval: its outcome is `pending_approval`, and the approval's result is
 * recorded under the same call id when the approval names it (approval-audit.ts).
 */
export function decisionEntry(request: unknown, decision: Decision, callId: string): AuditEntry {
  const entry = decisionAuditEntry(request as DecisionRequest, decision, { callId });
  if (decision.action === "require_approval" && decision.code === "rule") entry.outcome = { status: "pending_approval" };
  return entry;
}

/** The agent id of a request, if it has one. */
export function agentIdOf(request: DecisionRequest | Record<string, unknown>): string | undefined {
  const agent: unknown = request.agent;
  if (typeof agent === "string") return agent;
  if (isObject(agent) && typeof agent.id === "string") return agent.id;
  return undefined;
}

/** True for a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
