/**
 * Audit records of approvals: one record per create, vote, consume, expiry and withdrawal,
 * with `tool: "agentgov.approval"`, `action` the event, `call_id` the approval id (so
 * `GET /v1/audit?call_id=<id>` is an approval's whole history), the decision that asked
 * for it, and the details under `ext.approval`.
 *
 * When the approval knows the call it is for (`callId`: the call id `/v1/decide` answered
 * for the `require_approval` decision), its result is also recorded under that call id:
 * consumed → the call may run (`pending`, like any allowed call's decision record); denied,
 * expired or withdrawn → `denied`. So `GET /v1/audit?call_id=<call>` reads
 * `pending_approval` → the approval's result → the tool's outcome.
 */
import { decisionAuditEntry, summarizeDecision, type AuditEntry, type AuditSink, type Decision, type ReasonCode } from "@agentgov/core";
import type { Approval, ApprovalEvent } from "./approval-store.js";
import type { PendingCall } from "./pending-calls.js";

/** The `tool` of approval records. */
export const APPROVAL_AUDIT_TOOL = "agentgov.approval";

/** The reason code an approval's state stands for. */
function codeOf(a: Approval): ReasonCode {
  return a.status === "denied" ? "approval_denied"
    : a.status === "expired" ? "approval_timeout"
    : a.status === "consumed" ? "rule"
    : "approval_required";
}

/** The audit entry of an approval change (under the approval id). */
export function approvalAuditEntry(e: ApprovalEvent): AuditEntry {
  const a = e.approval;
  const what =
    e.event === "create" ? `approval requested for ${a.tool ?? "(no tool)"} by agent '${a.agent}' (quorum ${a.quorum})`
    : e.event === "vote" ? `${e.by ?? ""} voted ${e.vote?.verdict ?? ""}${e.vote?.note === undefined ? "" : `: ${e.vote.note}`}`
    : e.event === "consume" ? "the approved action was released (single use)"
    : e.event === "withdraw" ? `withdrawn${e.by === null ? "" : ` by ${e.by}`}: ${e.cause ?? ""}`
    : `expired: ${e.cause ?? ""}`;
  const details: Record<string, unknown> = {
    id: a.id,
    event: e.event,
    status: a.status,
    action_digest: a.actionDigest,
    tool: a.tool,
    quorum: a.quorum,
    approvers: a.approvers,
    approved_by: approvedBy(a),
    expires_at: a.expiresAt,
  };
  if (a.callId !== undefined) details.call_id = a.callId;
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
    decision: { ...summarizeDecision(e.decision), allowed: a.status === "consumed", code: codeOf(a), reason: `${e.decision.reason} — ${what}` },
    policy_digest: e.decision.policy_digest,
    outcome: { status: a.status === "consumed" ? "permitted" : a.status === "pending" || a.status === "approved" ? "pending_approval" : "denied" },
    ext: { approval: details },
  };
}

/**
 * The record of an approval's result under the call it is for, or undefined when the
 * approval has no call id or the event decides nothing for the call (create, a vote that
 * leaves it pending or approved).
 */
export function approvalResultEntry(e: ApprovalEvent): AuditEntry | undefined {
  const a = e.approval;
  if (a.callId === undefined) return undefined;
  const final = a.status === "consumed" || a.status === "denied" || a.status === "expired";
  if (!final) return undefined;
  const base = callBase(e.request, approvedDecision(e.decision, a), a.callId);
  const entry: AuditEntry = { ...base, kind: "decision", outcome: { status: a.status === "consumed" ? "pending" : "denied" }, ext: { approval: { id: a.id, event: e.event, status: a.status, approved_by: approvedBy(a) } } };
  if (a.status !== "consumed") entry.decision = { ...entry.decision, code: codeOf(a), reason: `${e.decision.reason} — approval ${a.status}${e.cause === undefined ? "" : `: ${e.cause}`}` };
  return entry;
}

/** Every entry of an approval change, in order: the approval's own record, then its result under the call. */
export function approvalAuditEntries(e: ApprovalEvent): AuditEntry[] {
  const result = approvalResultEntry(e);
  return result === undefined ? [approvalAuditEntry(e)] : [approvalAuditEntry(e), result];
}

/** The call an approval released, as `/v1/outcome` records it (see pending-calls.ts). */
export function approvedCall(approval: Approval, origin: { request: ApprovalEvent["request"]; decision: Decision }, callId: string): PendingCall {
  const { args: _a, args_digest: _d, outcome: _o, ...call } = callBase(origin.request, approvedDecision(origin.decision, approval), callId);
  return { ...call, ext: { approval: { id: approval.id, approved_by: approvedBy(approval) } } };
}

/**
 * A `record` function for the store that appends to `sink` (throws when the sink refuses,
 * and the store then refuses the change). The two entries of a change are two appends: a
 * sink that fails between them leaves the approval's record without the call's.
 */
export function recordApprovalsTo(sink: AuditSink): (event: ApprovalEvent) => void {
  return (event) => {
    for (const entry of approvalAuditEntries(event)) sink.append(entry);
  };
}

function approvedBy(a: Approval): string[] {
  return a.votes.filter((v) => v.verdict === "approve").map((v) => v.approver);
}

/** The require_approval decision as the kernel records an approved one: the approvers in its reason. */
function approvedDecision(decision: Decision, a: Approval): Decision {
  if (a.status !== "consumed") return decision;
  const by = approvedBy(a);
  return { ...decision, reason: `${decision.reason} (approved by ${by.length === 0 ? "the approvers" : by.join(", ")})` };
}

function callBase(request: ApprovalEvent["request"], decision: Decision, callId: string): Omit<AuditEntry, "kind"> {
  const { kind: _k, outcome: _o, ...base } = decisionAuditEntry(request, decision, { callId });
  return base;
}
