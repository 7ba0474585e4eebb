/**
 * `POST /v1/decide` and `POST /v1/outcome`. A decision is taken as `kernel.decide` takes
 * it (the kernel's kill switch holds the global and the per-agent kills), and its record is
 * appended to the audit before the answer (write-ahead): a record the log refuses turns the
 * answer into deny `audit_unavailable`. By default (`ack: "durable"`) the answer also waits
 * until the record is committed — one group commit per turn of the event loop, shared by
 * every request waiting in it — so a crash after the answer cannot lose it; a commit that
 * fails turns the answer into deny `audit_unavailable` too. Any fault while deciding is a
 * deny (`internal_error`), never an allow. `?dryRun=true` decides without recording and
 * without counting rate limits. A recorded `require_approval` answer is remembered with its
 * action digest (`pending.awaitingApproval`), so an approval can release that call, and
 * only for that action.
 */
import { performance } from "node:perf_hooks";
import { denyDecision, type AuditRecord, type Decision, type DecisionRequest, type ReasonCode } from "@agentgov/core";
import { actionDigestOf } from "./action-digest.js";
import { decisionEntry, isObject } from "./audit-entry.js";
import { newCallId } from "./call-ids.js";
import type { Route, ServerContext } from "./context.js";
import { messageOf, ServerError } from "./errors.js";
import { sendJson, sendJsonText } from "./http.js";
import { readJsonBody } from "./json-body.js";
import { isCallId, pendingCallOf } from "./pending-calls.js";

/** A decision as answered: the kernel's decision plus the call id to report the outcome with. */
export type DecisionAnswer = Decision & { call_id: string };

/** How `/v1/decide` treats one request (from the query string). */
export interface DecideFlags {
  /** Add the rule trace (`?explain=true`). */
  explain: boolean;
  /** Decide without recording and without counting rate limits (`?dryRun=true`). */
  dryRun: boolean;
}

/** One decision taken: the decision and its call id, and whether its record was appended (and so must become durable). */
interface Taken {
  decision: Decision;
  callId: string;
  recorded: boolean;
  /** True when the call waits in the pending-call table for its outcome. */
  pending: boolean;
  /** True when the call is remembered as waiting for an approval. */
  awaitsApproval: boolean;
  started: number;
}

const denyOf = (ctx: ServerContext, code: ReasonCode, reason: string, from?: Decision): Decision => denyDecision(code, reason, ctx.kernel.digest, from);

/**
 * Decides one request and appends its record (not with `dryRun`). Only an allowed
 * `pre_tool` call waits for its outcome. Never throws.
 */
function decideOne(ctx: ServerContext, request: unknown, flags: DecideFlags, callId: string): Taken {
  const started = performance.now();
  let decision: Decision;
  let recorded = false;
  let pending = false;
  let awaitsApproval = false;
  try {
    if (flags.dryRun) decision = ctx.kernel.decide(request as DecisionRequest, flags.explain ? { explain: true, dryRun: true } : DRY_RUN);
    else decision = ctx.kernel.decide(request as DecisionRequest, flags.explain ? EXPLAIN : undefined);
    if (!flags.dryRun) {
      const entry = decisionEntry(request, decision, callId);
      try {
        ctx.audit.sink.append(entry);
        recorded = true;
      } catch (error) {
        ctx.metrics.auditFailure();
        decision = denyOf(ctx, "audit_unavailable", `The audit log cannot take the record, so the call is denied: ${messageOf(error)}`, decision);
      }
      if (decision.allowed && entry.stage === "pre_tool") {
        ctx.pending.add(callId, pendingCallOf(entry));
        pending = true;
      }
      awaitsApproval = rememberForApproval(ctx, request, decision, callId);
    }
  } catch (error) {
    ctx.log(`internal error while deciding: ${messageOf(error)}`);
    decision = denyOf(ctx, "internal_error", "Internal error while deciding; the call is denied");
    if (!flags.dryRun) ctx.pending.awaitingApproval.forget(callId);
  }
  return { decision, callId, recorded, pending, awaitsApproval, started };
}

/**
 * Remembers a recorded `require_approval` call with its action digest; any other decision
 * under the call id makes it forget an earlier one. Returns true when remembered.
 */
function rememberForApproval(ctx: ServerContext, request: unknown, decision: Decision, callId: string): boolean {
  const calls = ctx.pending.awaitingApproval;
  if (decision.action !== "require_approval" || !isObject(request)) {
    calls.forget(callId);
    return false;
  }
  let digest: string;
  try {
    digest = actionDigestOf(request as unknown as DecisionRequest, decision.policy_digest);
  } catch {
    // Arguments that are not JSON cannot be approved (creating the approval refuses them too).
    calls.forget(callId);
    return false;
  }
  calls.remember(callId, digest);
  return true;
}

const EXPLAIN = { explain: true } as const;
const DRY_RUN = { dryRun: true } as const;

/**
 * Waits until the records of `taken` are durable (unless the server acknowledges on
 * append); if that fails, every recorded answer becomes deny `audit_unavailable` and its
 * call stops waiting for an outcome. Then counts the decisions. Never throws.
 */
async function settle(ctx: ServerContext, taken: readonly Taken[]): Promise<void> {
  if (ctx.ack === "durable" && taken.some((t) => t.recorded)) {
    try {
      await (ctx.audit.whenDurable?.() ?? ctx.audit.sink.flush());
    } catch (error) {
      ctx.metrics.auditFailure();
      const reason = `The audit log could not commit the record, so the call is denied: ${messageOf(error)}`;
      for (const t of taken) {
        if (!t.recorded) continue;
        if (t.pending) ctx.pending.take(t.callId);
        if (t.awaitsApproval) ctx.pending.awaitingApproval.forget(t.callId);
        t.decision = denyOf(ctx, "audit_unavailable", reason, t.decision);
      }
    }
  }
  const now = performance.now();
  for (const t of taken) ctx.metrics.decision(t.decision.action, t.decision.code, (now - t.started) / 1000);
}

/**
 * Decides one request, records it and waits until the record is durable (as the server's
 * `ack` says). Never throws; any failure is a deny.
 */
export async function decideAndRecord(ctx: ServerContext, request: unknown, flags: DecideFlags, callId: string = newCallId()): Promise<DecisionAnswer> {
  const taken = [decideOne(ctx, request, flags, callId)];
  await settle(ctx, taken);
  const t = taken[0];
  return t === undefined ? { ...denyOf(ctx, "internal_error", "Internal error while deciding; the call is denied"), call_id: callId } : { ...t.decision, call_id: t.callId };
}

/**
 * The call id of each request: the client's `call_id` when it gives one (1 to 128 printable
 * ASCII characters, not a call still waiting for its outcome, not twice in one batch),
 * otherwise a fresh server id. Throws 400 `BAD_REQUEST` or 409 `CALL_ID_IN_USE` before
 * anything is decided.
 */
function callIdsOf(ctx: ServerContext, requests: readonly unknown[]): string[] {
  const seen = new Set<string>();
  return requests.map((request, i) => {
    const given = isObject(request) ? request.call_id : undefined;
    if (given === undefined) return newCallId();
    const where = requests.length > 1 ? ` (request ${i})` : "";
    if (!isCallId(given)) throw new ServerError("BAD_REQUEST", 400, `'call_id'${where} must be 1 to 128 printable ASCII characters without spaces`);
    if (seen.has(given) || ctx.pending.has(given)) throw new ServerError("CALL_ID_IN_USE", 409, `call id '${given}'${where} is already waiting for its outcome; use a new call id`);
    seen.add(given);
    return given;
  });
}

/** `POST /v1/decide`: one request, or `{ "requests": [...] }`; `?explain=true`, `?dryRun=true`. */
export const decideRoute: Route = {
  method: "POST",
  path: "/v1/decide",
  scope: "decide",
  name: "decide",
  async handle(ctx, { req, res, url }) {
    const body = await readJsonBody(req, ctx.body);
    if (!isObject(body)) throw new ServerError("BAD_REQUEST", 400, "the body must be a decision request object or { \"requests\": [...] }");
    const query = url.search === "" ? null : url.searchParams;
    const flags: DecideFlags = { explain: query?.get("explain") === "true", dryRun: query?.get("dryRun") === "true" };
    if (Object.hasOwn(body, "requests") && !Object.hasOwn(body, "agent")) {
      const requests = body.requests;
      if (!Array.isArray(requests)) throw new ServerError("BAD_REQUEST", 400, "'requests' must be an array of decision requests");
      if (requests.length > ctx.maxBatch) throw new ServerError("BATCH_TOO_LARGE", 413, `a batch holds at most ${ctx.maxBatch} requests, got ${requests.length}`);
      const ids = callIdsOf(ctx, requests);
      const taken = requests.map((r: unknown, i) => decideOne(ctx, r, flags, ids[i] ?? newCallId()));
      await settle(ctx, taken);
      sendJsonText(res, 200, `{"decisions":[${taken.map(answerJson).join(",")}]}`);
      return;
    }
    const [callId = newCallId()] = callIdsOf(ctx, [body]);
    const taken = [decideOne(ctx, body, flags, callId)];
    await settle(ctx, taken);
    const t = taken[0];
    if (t === undefined) throw new ServerError("INTERNAL", 500, "no decision was taken");
    sendJsonText(res, 200, answerJson(t));
  },
};

/**
 * The JSON answer of a decision: the decision's own JSON with `"call_id"` spliced in as the
 * last member — the text `JSON.stringify({ ...decision, call_id })` gives (a decision has no
 * `call_id` of its own), without copying the decision into a new object per request.
 */
export function answerJson(t: { decision: Decision; callId: string }): string {
  const json = JSON.stringify(t.decision);
  const callId = `"call_id":${JSON.stringify(t.callId)}}`;
  return json === "{}" ? `{${callId}` : `${json.slice(0, -1)},${callId}`;
}

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
      if (ctx.ack === "durable") await (ctx.audit.whenDurable?.() ?? ctx.audit.sink.flush());
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
