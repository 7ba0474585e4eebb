/**
 * `POST /v1/audit/events`: an audit entry a client recorded itself (an adapter's own
 * decision, a marker, an outcome `/v1/outcome` cannot carry), appended to the server's
 * chain. The body is one entry (at most {@link MAX_AUDIT_EVENT_BYTES}), validated field by
 * field; unknown fields, and the fields the server fills (`v`, `seq`, `ts`, `prev`,
 * `hash`), are refused: the server sequences, times and hashes it, and never takes a
 * client's hash. Who sent it is recorded in `ext.reported` (the token id); the tools and
 * `ext` namespaces of the server's own records (approvals, operator controls) are refused,
 * so a client cannot forge them. → 201 with the stored record.
 */
import { RULE_ACTIONS, STAGES, type AuditEntry, type Stage } from "@agentgov/core";
import { APPROVAL_AUDIT_TOOL } from "./approval-audit.js";
import { isObject } from "./audit-entry.js";
import type { Route } from "./context.js";
import { messageOf, ServerError } from "./errors.js";
import { sendJson } from "./http.js";
import { readJsonBody } from "./json-body.js";

type AuditDecision = AuditEntry["decision"];
type AuditOutcome = NonNullable<AuditEntry["outcome"]>;

/** Largest body of one event. */
export const MAX_AUDIT_EVENT_BYTES = 64 * 1024;
/** The `ext` namespace where the server records who reported an event. */
export const REPORTED_EXT = "reported";
/** Tools only the server itself records. */
const RESERVED_TOOLS = new Set([APPROVAL_AUDIT_TOOL, "agentgov.control"]);
/** `ext` namespaces only the server itself writes. */
const RESERVED_EXT = new Set([REPORTED_EXT, "approval", "control"]);
const SERVER_FIELDS = new Set(["v", "seq", "ts", "prev", "hash"]);
const ENTRY_FIELDS = new Set(["kind", "agent", "stage", "tool", "action", "call_id", "run_id", "args_digest", "args", "decision", "policy_digest", "outcome", "ext"]);
const DECISION_FIELDS = new Set(["allowed", "action", "matched_rule", "policy", "code", "reason", "rate_limited", "severity", "shadow", "errors"]);
const OUTCOME_STATUSES = new Set<AuditOutcome["status"]>(["denied", "pending", "pending_approval", "permitted", "ok", "error"]);
const NAMESPACE = /^[a-z][a-z0-9_-]{0,31}$/;
const CODE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_ID = 256;
const MAX_TEXT = 4096;

/** `POST /v1/audit/events` (scope decide). */
export const auditEventsRoute: Route = {
  method: "POST",
  path: "/v1/audit/events",
  scope: "decide",
  name: "audit_events",
  async handle(ctx, { req, res, principal }) {
    const body = await readJsonBody(req, { maxBytes: Math.min(ctx.body.maxBytes, MAX_AUDIT_EVENT_BYTES), maxDepth: ctx.body.maxDepth });
    const entry = parseAuditEvent(body);
    entry.ext = { ...entry.ext, [REPORTED_EXT]: { by: principal?.id ?? "" } };
    let record;
    try {
      record = ctx.audit.sink.append(entry);
    } catch (error) {
      ctx.metrics.auditFailure();
      throw new ServerError("AUDIT_UNAVAILABLE", 503, `the audit log cannot take the event: ${messageOf(error)}`);
    }
    sendJson(res, 201, record);
  },
};

/** Validates a client's audit entry. Throws `BAD_REQUEST` naming the first bad field. */
export function parseAuditEvent(body: unknown): AuditEntry {
  const bad = (message: string): ServerError => new ServerError("BAD_REQUEST", 400, message);
  if (!isObject(body)) throw bad("the body must be one audit entry { kind, agent, stage, decision, policy_digest, ... }");
  for (const key of Object.keys(body)) {
    if (SERVER_FIELDS.has(key)) throw bad(`'${key}' is filled by the server (it sequences, times and hashes every record)`);
    if (!ENTRY_FIELDS.has(key)) throw bad(`unknown field '${key}'`);
  }
  const { kind, agent, stage, tool, action, call_id: callId, run_id: runId, args_digest: argsDigest, args, decision, policy_digest: policyDigest, outcome, ext } = body;
  if (kind !== "decision" && kind !== "outcome") throw bad("'kind' must be decision or outcome");
  const id = (value: unknown, name: string): string => {
    // eslint-disable-next-line no-control-regex
    if (typeof value !== "string" || value === "" || value.length > MAX_ID || /[\u0000-\u001f\u007f]/.test(value)) throw bad(`'${name}' must be 1 to ${MAX_ID} printable characters`);
    return value;
  };
  if (typeof stage !== "string" || !(STAGES as readonly string[]).includes(stage)) throw bad(`'stage' must be one of ${STAGES.join(", ")}`);
  if (typeof policyDigest !== "string" || policyDigest.length > 128) throw bad("'policy_digest' must be a string of at most 128 characters");
  const entry: AuditEntry = { kind, agent: id(agent, "agent"), stage: stage as Stage, decision: parseDecision(decision, bad), policy_digest: policyDigest };
  if (tool !== undefined) {
    entry.tool = id(tool, "tool");
    if (RESERVED_TOOLS.has(entry.tool)) throw bad(`'${entry.tool}' records are written by the server only`);
  }
  if (action !== undefined) entry.action = id(action, "action");
  if (callId !== undefined) entry.call_id = id(callId, "call_id");
  if (runId !== undefined) entry.run_id = id(runId, "run_id");
  if (argsDigest !== undefined) {
    if (typeof argsDigest !== "string" || !/^[0-9a-f]{64}$/.test(argsDigest)) throw bad("'args_digest' must be 64 lowercase hex characters");
    entry.args_digest = argsDigest;
  }
  if (args !== undefined) entry.args = args;
  if (outcome !== undefined) entry.outcome = parseOutcome(outcome, bad);
  if (ext !== undefined) {
    if (!isObject(ext)) throw bad("'ext' must be an object of namespaces");
    for (const key of Object.keys(ext)) {
      if (!NAMESPACE.test(key)) throw bad(`'ext' namespace '${key.slice(0, 40)}' must match ${String(NAMESPACE)}`);
      if (RESERVED_EXT.has(key)) throw bad(`'ext.${key}' is written by the server only`);
    }
    entry.ext = ext;
  }
  return entry;
}

function parseDecision(value: unknown, bad: (message: string) => ServerError): AuditDecision {
  if (!isObject(value)) throw bad("'decision' must be { allowed, action, matched_rule, policy, code, reason? }");
  for (const key of Object.keys(value)) if (!DECISION_FIELDS.has(key)) throw bad(`unknown field 'decision.${key}'`);
  const { allowed, action, matched_rule: rule, policy, code, reason, rate_limited: limited, severity, shadow, errors } = value;
  if (typeof allowed !== "boolean") throw bad("'decision.allowed' must be a boolean");
  if (typeof action !== "string" || !(RULE_ACTIONS as readonly string[]).includes(action)) throw bad(`'decision.action' must be one of ${RULE_ACTIONS.join(", ")}`);
  const nullable = (v: unknown): v is string | null => v === null || (typeof v === "string" && v.length <= MAX_ID);
  if (!nullable(rule) || !nullable(policy)) throw bad("'decision.matched_rule' and 'decision.policy' must be strings or null");
  if (typeof code !== "string" || !CODE.test(code)) throw bad("'decision.code' must be a lower_snake reason code");
  const out: AuditDecision = { allowed, action: action as AuditDecision["action"], matched_rule: rule, policy, code: code as AuditDecision["code"] };
  if (reason !== undefined) {
    if (typeof reason !== "string" || reason.length > MAX_TEXT) throw bad(`'decision.reason' must be a string of at most ${MAX_TEXT} characters`);
    out.reason = reason;
  }
  if (limited !== undefined) {
    if (limited !== true) throw bad("'decision.rate_limited' must be true when present");
    out.rate_limited = true;
  }
  if (severity !== undefined) {
    if (typeof severity !== "string" || severity.length > 32) throw bad("'decision.severity' must be a short string");
    out.severity = severity as NonNullable<AuditDecision["severity"]>;
  }
  // Shadow decisions and evaluation errors are kept as sent (JSON, bounded by the body limit).
  if (shadow !== undefined) {
    if (!Array.isArray(shadow) || !shadow.every(isObject)) throw bad("'decision.shadow' must be an array of decisions");
    out.shadow = shadow as unknown as NonNullable<AuditDecision["shadow"]>;
  }
  if (errors !== undefined) {
    if (!Array.isArray(errors) || !errors.every((e) => isObject(e) && typeof e.policy === "string" && typeof e.rule === "string" && typeof e.error === "string")) throw bad("'decision.errors' must be an array of { policy, rule, error }");
    out.errors = errors as NonNullable<AuditDecision["errors"]>;
  }
  return out;
}

function parseOutcome(value: unknown, bad: (message: string) => ServerError): AuditOutcome {
  if (!isObject(value)) throw bad("'outcome' must be { status, duration_ms?, error? }");
  for (const key of Object.keys(value)) if (key !== "status" && key !== "duration_ms" && key !== "error") throw bad(`unknown field 'outcome.${key}'`);
  const { status, duration_ms: duration, error } = value;
  if (typeof status !== "string" || !OUTCOME_STATUSES.has(status as AuditOutcome["status"])) throw bad(`'outcome.status' must be one of ${[...OUTCOME_STATUSES].join(", ")}`);
  const out: AuditOutcome = { status: status as AuditOutcome["status"] };
  if (duration !== undefined) {
    if (typeof duration !== "number" || !Number.isFinite(duration) || duration < 0) throw bad("'outcome.duration_ms' must be a non-negative number");
    out.duration_ms = duration;
  }
  if (error !== undefined) {
    if (!isObject(error) || typeof error.name !== "string" || typeof error.message !== "string" || Object.keys(error).length !== 2) throw bad("'outcome.error' must be { name, message }");
    out.error = { name: error.name.slice(0, MAX_ID), message: error.message.slice(0, MAX_TEXT) };
  }
  return out;
}
