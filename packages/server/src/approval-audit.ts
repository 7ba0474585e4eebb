/**
 * Audit records of approvals: one record per create, vote, consume and expiry, with
 * `tool: "agentgov.approval"`, `action` the event, `call_id` the approval id (so
 * `GET /v1/audit?call_id=<id>` is an approval's whole history), the decision that asked
 * for it, and the details under `ext.approval`.
 */
import { summarizeDecision, type AuditEntry, type AuditSink, type ReasonCode } from "@agentgov/core";
import type { ApprovalEvent } from "./approval-store.js";

/** The `tool` of approval records. */
export const APPROVAL_AUDIT_TOOL = "agentgov.approval";

/** The audit entry of an approval change. */
export function approvalAuditEntry(e: ApprovalEvent): AuditEntry {
  const a = e.approval;
  const code: ReasonCode =
    a.status === "denied" ? "approval_denied"
    : a.status === "expired" ? "approval_timeout"
    : a.status === "consumed" ? "rule"
    : "approval_required";
  const what =
    e.event === "create" ? `approval requested for ${a.tool ?? "(no tool)"} by agent '${a.agent}' (quorum ${a.quorum})`
    : e.event === "vote" ? `${e.by ?? ""} voted ${e.vote?.verdict ?? ""}${e.vote?.note === undefined ? "" : `: ${e.vote.note}`}`
    : e.event === "consume" ? "the approved action was released (single use)"
    : `expired: ${e.cause ?? ""}`;
  const details: Record<string, unknown> = {
    id: a.id,
    event: e.event,
    status: a.status,
    action_digest: a.actionDigest,
    tool: a.tool,
    quorum: a.quorum,
    approvers: a.approvers,
    approved_by: a.votes.filter((v) => v.verdict === "approve").map((v) => v.approver),
    expires_at: a.expiresAt,
  };
  if (e.by !== null) details.by = e.by;
  if (e.vote !== undefined) details.vote = e.vote;
  if (e.cause !== undefined) details.cause = e.cause;
  return {
    kind: "decision",
    agent: a.agent,
    stage: "pre_tool",
    tool: APPROVAL_AUDIT_TOOL,
    action: e.event,
    call_id: a.id,
    decision: { ...summarizeDecision(e.decision), allowed: a.status === "consumed", code, reason: `${e.decision.reason} — ${what}` },
    policy_digest: e.decision.policy_digest,
    outcome: { status: a.status === "consumed" ? "permitted" : a.status === "pending" || a.status === "approved" ? "pending" : "denied" },
    ext: { approval: details },
  };
}

/** A `record` function for the store that appends to `sink` (throws when the sink refuses). */
export function recordApprovalsTo(sink: AuditSink): (event: ApprovalEvent) => void {
  return (event) => {
    sink.append(approvalAuditEntry(event));
  };
}
