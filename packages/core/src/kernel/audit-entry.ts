/**
 * The audit entries of the enforcement path, shared with every surface that takes
 * decisions outside `kernel.enforce` (the governance server, adapters): what a call is,
 * and the write-ahead decision record with its args digest and redacted arguments.
 */
import { randomUUID } from "node:crypto";
import { canonicalArgs, canonicalArgsDigest } from "../audit/canonical-args.js";
import type { AuditDecision, AuditEntry } from "../audit/types.js";
import { type Decision, type DecisionRequest, type Stage, STAGES } from "../policy/types.js";
import { auditArgs } from "./audit-args.js";
import type { AuditArgsMode } from "./types.js";

/** What the audit records about a call. */
export interface CallInfo {
  agent: string;
  stage: Stage;
  tool?: string;
  action?: string;
  callId: string;
  runId?: string;
  args: unknown;
}

/** What the audit records about `request` (read defensively). */
export function describeCall(request: DecisionRequest, callId: string | undefined): CallInfo {
  const raw: Record<string, unknown> = isObject(request) ? request : {};
  const context: Record<string, unknown> = isObject(raw.context) ? raw.context : {};
  const call: CallInfo = {
    agent: agentIdOf(request) ?? "",
    // A malformed stage is recorded as the default; the decision's code says the request was invalid.
    stage: typeof raw.stage === "string" && (STAGES as readonly string[]).includes(raw.stage) ? (raw.stage as Stage) : "pre_tool",
    callId: callId ?? randomUUID(),
    args: context.args,
  };
  const tool = isObject(context.tool) ? context.tool.name : undefined;
  if (typeof tool === "string") call.tool = tool;
  const action = isObject(context.action) ? context.action.type : undefined;
  if (typeof action === "string") call.action = action;
  const runId = isObject(context.run) ? context.run.id : undefined;
  if (typeof runId === "string") call.runId = runId;
  return call;
}

/** The fields common to a call's records (without `kind`). @throws AgentGovError `INVALID_REQUEST` when the arguments are not JSON. */
export function baseEntry(call: CallInfo, decision: Decision, digest: string, argsMode: AuditArgsMode): Omit<AuditEntry, "kind"> {
  const entry: Omit<AuditEntry, "kind"> = { agent: call.agent, stage: call.stage, call_id: call.callId, decision: summarizeDecision(decision), policy_digest: digest };
  if (call.tool !== undefined) entry.tool = call.tool;
  if (call.action !== undefined) entry.action = call.action;
  if (call.runId !== undefined) entry.run_id = call.runId;
  if (call.args !== undefined) {
    // Serialised once: the digest is the hash of this text, and unredacted args are logged as this text.
    const canonical = canonicalArgs(call.args);
    entry.args_digest = canonicalArgsDigest(canonical);
    const recorded = auditArgs(call.args, argsMode, decision.transform?.redact);
    if (recorded !== undefined) entry.args = recorded === call.args ? canonical : recorded;
  }
  return entry;
}

/** The recorded part of a decision. */
export function summarizeDecision(decision: Decision): AuditDecision {
  const out: AuditDecision = { allowed: decision.allowed, action: decision.action, matched_rule: decision.matched_rule, policy: decision.policy, code: decision.code, reason: decision.reason };
  if (decision.rate_limited === true) out.rate_limited = true;
  if (decision.severity !== undefined) out.severity = decision.severity;
  if (decision.errors !== undefined) out.errors = decision.errors;
  if (decision.shadow !== undefined) out.shadow = decision.shadow;
  return out;
}

/**
 * The write-ahead decision record of `request`, exactly as `kernel.enforce` writes it:
 * outcome `pending` when the call may run, else `denied`.
 * @throws AgentGovError `INVALID_REQUEST` when the arguments are not JSON.
 */
export function decisionAuditEntry(request: DecisionRequest, decision: Decision, options: { callId?: string; auditArgs?: AuditArgsMode } = {}): AuditEntry {
  const call = describeCall(request, options.callId);
  // Completed in place rather than spread into a new object: one object per record.
  const entry = baseEntry(call, decision, decision.policy_digest, options.auditArgs ?? "redacted") as AuditEntry;
  entry.kind = "decision";
  entry.outcome = { status: decision.allowed ? "pending" : "denied" };
  return entry;
}

/** The agent id of a request, if it has one. */
export function agentIdOf(request: DecisionRequest): string | undefined {
  const agent: unknown = isObject(request) ? request.agent : undefined;
  if (typeof agent === "string") return agent;
  if (isObject(agent) && typeof agent.id === "string") return agent.id;
  return undefined;
}

/** True for a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

