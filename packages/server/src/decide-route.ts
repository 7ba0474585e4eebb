/**
 * `POST /v1/decide` and `POST /v1/outcome`. A decision is taken as `kernel.decide` takes
 * it (after the per-agent kill), and its record is appended to the audit before the answer
 * (write-ahead): a record the log refuses turns the answer into deny `audit_unavailable`.
 * Any fault while deciding is a deny (`internal_error`), never an allow.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { AuditRecord, Decision, DecisionRequest, ReasonCode } from "@agentgov/core";
import { agentIdOf, decisionEntry, isObject } from "./audit-entry.js";
import type { Route, ServerContext } from "./context.js";
import { messageOf, ServerError } from "./errors.js";
import { sendJson } from "./http.js";
import { readJsonBody } from "./json-body.js";

/** A decision as answered: the kernel's decision plus the call id to report the outcome with. */
export type DecisionAnswer = Decision & { call_id: string };

/** Decides one request and records it. Never throws. */
export function decideAndRecord(ctx: ServerContext, request: unknown, explain: boolean): DecisionAnswer {
  const started = performance.now();
  const callId = randomUUID();
  const deny = (code: ReasonCode, reason: string, from?: Decision): Decision => ({
    allowed: false,
    action: "deny",
    matched_rule: from?.matched_rule ?? null,
    policy: from?.policy ?? null,
    code,
    reason,
    policy_digest: ctx.kernel.digest,
  });
  let decision: Decision;
  try {
    const agentId = isObject(request) ? agentIdOf(request) : undefined;
    const killed = agentId === undefined || ctx.kernel.killSwitch.engaged ? undefined : ctx.controls.killedReason(agentId);
    decision = killed === undefined ? ctx.kernel.decide(request as DecisionRequest, explain ? { explain: true } : undefined) : deny("kill_switch", `Agent '${String(agentId)}' is killed: ${killed}`);
    const entry = decisionEntry(request, decision, callId);
    try {
      ctx.audit.sink.append(entry);
    } catch (error) {
      ctx.metrics.auditFailure();
      decision = deny("audit_unavailable", `The audit log cannot take the record, so the call is denied: ${messageOf(error)}`, decision);
    }
    if (decision.allowed) {
      const { args: _a, args_digest: _d, outcome: _o, kind: _k, ...call } = entry;
      ctx.pending.add(callId, call);
    }
  } catch (error) {
    ctx.log(`internal error while deciding: ${messageOf(error)}`);
    decision = deny("internal_error", "Internal error while deciding; the call is denied");
  }
  ctx.metrics.decision(decision.action, decision.code, (performance.now() - started) / 1000);
  return { ...decision, call_id: callId };
}

/** `POST /v1/decide`: one request, or `{ "requests": [...] }`. */
export const decideRoute: Route = {
  method: "POST",
  path: "/v1/decide",
  scope: "decide",
  name: "decide",
  async handle(ctx, { req, res, url }) {
    const body = await readJsonBody(req, ctx.body);
    if (!isObject(body)) throw new ServerError("BAD_REQUEST", 400, "the body must be a decision request object or { \"requests\": [...] }");
    const explain = url.searchParams.get("explain") === "true";
    if (Object.hasOwn(body, "requests") && !Object.hasOwn(body, "agent")) {
      const requests = body.requests;
      if (!Array.isArray(requests)) throw new ServerError("BAD_REQUEST", 400, "'requests' must be an array of decision requests");
      if (requests.length > ctx.maxBatch) throw new ServerError("BATCH_TOO_LARGE", 413, `a batch holds at most ${ctx.maxBatch} requests, got ${requests.length}`);
      sendJson(res, 200, { decisions: requests.map((r: unknown) => decideAndRecord(ctx, r, explain)) });
      return;
    }
    sendJson(res, 200, decideAndRecord(ctx, body, explain));
  },
};

const MAX_ERROR_TEXT = 4096;

/** `POST /v1/outcome`: `{ call_id, status: "ok" | "error", duration_ms?, error? }` → the outcome record. */
export const outcomeRoute: Route = {
  method: "POST",
  path: "/v1/outcome",
  scope: "decide",
  name: "outcome",
  async handle(ctx, { req, res }) {
    const body = await readJsonBody(req, ctx.body);
    const outcome = parseOutcome(body);
    const call = ctx.pending.take(outcome.callId);
    if (call === undefined) throw new ServerError("UNKNOWN_CALL", 404, `no allowed call '${outcome.callId}' is waiting for its outcome (unknown, denied, already reported or expired)`);
    const recorded: AuditRecord["outcome"] = { status: outcome.status };
    if (outcome.durationMs !== undefined) recorded.duration_ms = outcome.durationMs;
    if (outcome.error !== undefined) recorded.error = outcome.error;
    let record: AuditRecord;
    try {
      record = ctx.audit.sink.append({ ...call, kind: "outcome", decision: call.decision, outcome: recorded });
    } catch (error) {
      ctx.pending.restore(outcome.callId, call);
      ctx.metrics.auditFailure();
      throw new ServerError("AUDIT_UNAVAILABLE", 503, `the audit log cannot take the outcome record: ${messageOf(error)}`);
    }
    sendJson(res, 200, record);
  },
};

interface ParsedOutcome {
  callId: string;
  status: "ok" | "error";
  durationMs?: number;
  error?: { name: string; message: string };
}

function parseOutcome(body: unknown): ParsedOutcome {
  const bad = (message: string): ServerError => new ServerError("BAD_REQUEST", 400, message);
  if (!isObject(body)) throw bad("the body must be { call_id, status, duration_ms?, error? }");
  const { call_id: callId, status, duration_ms: duration, error } = body;
  if (typeof callId !== "string" || callId === "" || callId.length > 128) throw bad("'call_id' must be the call id a decision returned");
  if (status !== "ok" && status !== "error") throw bad("'status' must be \"ok\" or \"error\"");
  const out: ParsedOutcome = { callId, status };
  if (duration !== undefined) {
    if (typeof duration !== "number" || !Number.isFinite(duration) || duration < 0) throw bad("'duration_ms' must be a non-negative number");
    out.durationMs = duration;
  }
  if (error !== undefined) {
    if (typeof error === "string") out.error = { name: "Error", message: error.slice(0, MAX_ERROR_TEXT) };
    else if (isObject(error) && (error.name === undefined || typeof error.name === "string") && (error.message === undefined || typeof error.message === "string")) {
      out.error = { name: (error.name ?? "Error").slice(0, 256), message: (error.message ?? "").slice(0, MAX_ERROR_TEXT) };
    } else throw bad("'error' must be a string or { name?, message? }");
  }
  return out;
}

