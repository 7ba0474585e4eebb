/**
 * The approvals API (docs/server.md, "Approvals"):
 * `POST /v1/approvals` (decide), `GET /v1/approvals?status=` (approve or audit:read),
 * `GET /v1/approvals/:id?waitMs=` (decide or approve; long-poll), `POST
 * /v1/approvals/:id/approve|deny` (approve; the token id is the approver), `POST
 * /v1/approvals/:id/consume` (decide; single use, bound to the action digest; with a
 * `call_id` the released call then waits for its `/v1/outcome`) and `POST
 * /v1/approvals/:id/withdraw` (decide; the waiting client gave up, so nobody can approve it).
 *
 * A `call_id` (at create or consume) must be a call `/v1/decide` answered `require_approval`
 * for the same action (`pending.awaitingApproval`), else 409 `approval_call_mismatch`: a
 * forged or foreign call id cannot be used to record an outcome.
 */
import type { Decision, DecisionRequest } from "@agentgov/core";
import { approvedCall } from "./approval-audit.js";
import { MAX_APPROVAL_WAIT_MS, type ApprovalInput, type ApprovalStatus } from "./approval-store.js";
import { isObject } from "./audit-entry.js";
import type { Route, RouteRequest, ServerContext } from "./context.js";
import { ServerError } from "./errors.js";
import { sendJson } from "./http.js";
import { readJsonBody } from "./json-body.js";
import { isCallId } from "./pending-calls.js";

const STATUSES: readonly ApprovalStatus[] = ["pending", "approved", "denied", "expired", "consumed"];
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const HEX64 = /^[0-9a-f]{64}$/;

const bad = (message: string): ServerError => new ServerError("BAD_REQUEST", 400, message);
const CALL_ID_FORM = "'call_id' must be the call id /v1/decide answered (1 to 128 printable ASCII characters, no spaces)";

/**
 * Throws 409 `approval_call_mismatch` unless `callId` is a call `/v1/decide` answered
 * `require_approval` for the action `actionDigest`, not yet released by another approval
 * (and still remembered: the table is bounded in number and time).
 */
function checkApprovalCall(ctx: ServerContext, callId: string, actionDigest: string): void {
  const expected = ctx.pending.awaitingApproval.digestOf(callId);
  if (expected === undefined) throw new ServerError("approval_call_mismatch", 409, `call '${callId}' is not a require_approval decision waiting for an approval (unknown, already released, or forgotten)`);
  if (expected !== actionDigest) throw new ServerError("approval_call_mismatch", 409, `call '${callId}' was decided for another action (agent, tool, arguments or policy set differ)`);
}

/** `POST /v1/approvals`: creates a pending approval for a require_approval decision → 201. */
export const createApprovalRoute: Route = {
  method: "POST",
  path: "/v1/approvals",
  scope: "decide",
  name: "approval_create",
  async handle(ctx, { req, res }) {
    const body = await readJsonBody(req, ctx.body);
    if (!isObject(body)) throw bad("the body must be { request, decision, actionDigest, approvers?, quorum?, expiresInMs?, call_id? }");
    const { request, decision, actionDigest, approvers, quorum, expiresInMs, call_id: callId } = body;
    if (!isObject(request) || !isObject(decision)) throw bad("'request' and 'decision' must be objects");
    if (typeof actionDigest !== "string" || !HEX64.test(actionDigest)) throw bad("'actionDigest' must be 64 lowercase hex characters");
    const input: ApprovalInput = { request: request as unknown as DecisionRequest, decision: decision as unknown as Decision, actionDigest };
    if (approvers !== undefined) {
      if (!Array.isArray(approvers) || !approvers.every((a) => typeof a === "string")) throw bad("'approvers' must be an array of approver ids");
      input.approvers = approvers;
    }
    if (quorum !== undefined) {
      if (typeof quorum !== "number") throw bad("'quorum' must be an integer");
      input.quorum = quorum;
    }
    if (expiresInMs !== undefined) {
      if (typeof expiresInMs !== "number") throw bad("'expiresInMs' must be an integer");
      input.expiresInMs = expiresInMs;
    }
    if (callId !== undefined) {
      if (!isCallId(callId)) throw bad(CALL_ID_FORM);
      checkApprovalCall(ctx, callId, actionDigest);
      input.callId = callId;
    }
    sendJson(res, 201, ctx.approvals.create(input));
  },
};

/** `GET /v1/approvals?status=…`: approvals, oldest first. */
export const listApprovalsRoute: Route = {
  method: "GET",
  path: "/v1/approvals",
  scope: ["approve", "audit:read"],
  name: "approval_list",
  handle(ctx, { res, url }) {
    for (const key of url.searchParams.keys()) if (key !== "status") throw bad(`unknown query parameter '${key}' (known: status)`);
    const status = url.searchParams.get("status") ?? undefined;
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw bad(`'status' must be one of ${STATUSES.join(", ")}`);
    sendJson(res, 200, { approvals: ctx.approvals.list(status as ApprovalStatus | undefined) });
    return Promise.resolve();
  },
};

/** `GET /v1/approvals/:id?waitMs=N`: the approval; waits up to min(N, 30 s) while it is pending. */
export const getApprovalRoute: Route = {
  method: "GET",
  path: "/v1/approvals/:id",
  scope: ["decide", "approve"],
  name: "approval_get",
  async handle(ctx, { res, url, params }) {
    const id = approvalId(params);
    for (const key of url.searchParams.keys()) if (key !== "waitMs") throw bad(`unknown query parameter '${key}' (known: waitMs)`);
    const waitText = url.searchParams.get("waitMs");
    let waitMs = 0;
    if (waitText !== null) {
      if (!/^\d{1,9}$/.test(waitText)) throw bad("'waitMs' must be a non-negative integer of milliseconds");
      waitMs = Math.min(Number(waitText), MAX_APPROVAL_WAIT_MS);
    }
    const gone = new AbortController();
    const onClose = (): void => {
      gone.abort();
    };
    res.once("close", onClose);
    try {
      const approval = await ctx.approvals.wait(id, waitMs, gone.signal);
      if (approval === undefined) throw notFound(id);
      if (!gone.signal.aborted) sendJson(res, 200, approval);
    } finally {
      res.off("close", onClose);
    }
  },
};

/** `POST /v1/approvals/:id/approve` and `/deny`: one vote by the token's id, with an optional note. */
export const voteRoutes: Route[] = (["approve", "deny"] as const).map((verdict) => ({
  method: "POST",
  path: `/v1/approvals/:id/${verdict}`,
  scope: "approve",
  name: `approval_${verdict}`,
  async handle(ctx: ServerContext, request: RouteRequest) {
    const id = approvalId(request.params);
    const body = await readOptionalBody(ctx, request);
    const note = body?.note;
    if (note !== undefined && typeof note !== "string") throw bad("'note' must be a string");
    const approver = request.principal?.id ?? "";
    sendJson(request.res, 200, ctx.approvals.vote(id, approver, verdict, note));
  },
}));

/**
 * `POST /v1/approvals/:id/consume` with `{ actionDigest, call_id? }`: releases an approved
 * action once. The call (`call_id`, or the one given at creation) then waits for its
 * outcome like any allowed call: `POST /v1/outcome` records it under that call id.
 */
export const consumeApprovalRoute: Route = {
  method: "POST",
  path: "/v1/approvals/:id/consume",
  scope: "decide",
  name: "approval_consume",
  async handle(ctx, { req, res, params }) {
    const id = approvalId(params);
    const body = await readJsonBody(req, ctx.body);
    if (!isObject(body) || typeof body.actionDigest !== "string") throw bad("the body must be { \"actionDigest\": \"<64 hex>\", \"call_id\"?: \"...\" }");
    const requested = body.call_id;
    if (requested !== undefined && !isCallId(requested)) throw bad(CALL_ID_FORM);
    const approval = ctx.approvals.get(id);
    const callId = requested ?? approval?.callId;
    // Only an approval the store would release is checked here; the store answers every other case.
    if (callId !== undefined && approval?.status === "approved" && body.actionDigest === approval.actionDigest) {
      if (ctx.pending.has(callId)) throw new ServerError("approval_call_mismatch", 409, `call '${callId}' is already running; an approval releases a call that has not run`);
      checkApprovalCall(ctx, callId, approval.actionDigest);
    }
    const consumed = ctx.approvals.consume(id, body.actionDigest, requested);
    const origin = ctx.approvals.origin(id);
    if (consumed.callId !== undefined) {
      ctx.pending.awaitingApproval.forget(consumed.callId); // released once
      if (origin !== undefined) ctx.pending.add(consumed.callId, approvedCall(consumed, origin, consumed.callId));
    }
    sendJson(res, 200, consumed);
  },
};

const MAX_CAUSE = 1024;

/**
 * `POST /v1/approvals/:id/withdraw` with `{ reason? }`: the client that asked stopped
 * waiting (its timeout). A pending (or approved, not yet consumed) approval ends
 * `expired`, recorded with the token id, so nobody can approve or consume it later.
 * Anything else: 409 `approval_not_pending`.
 */
export const withdrawApprovalRoute: Route = {
  method: "POST",
  path: "/v1/approvals/:id/withdraw",
  scope: "decide",
  name: "approval_withdraw",
  async handle(ctx, request) {
    const id = approvalId(request.params);
    const body = await readOptionalBody(ctx, request);
    const reason = body?.reason;
    if (reason !== undefined && (typeof reason !== "string" || reason.length > MAX_CAUSE)) throw bad(`'reason' must be a string of at most ${MAX_CAUSE} characters`);
    const current = ctx.approvals.get(id);
    if (current === undefined) throw notFound(id);
    if (current.status !== "pending" && current.status !== "approved") throw new ServerError("approval_not_pending", 409, `approval '${id}' is ${current.status}; only a pending (or approved, unused) approval can be withdrawn`);
    const withdrawn = ctx.approvals.withdraw(id, reason ?? "the requester stopped waiting", request.principal?.id ?? null);
    if (withdrawn === undefined) throw notFound(id);
    sendJson(request.res, 200, withdrawn);
  },
};

/** Every approval route. */
export const approvalRoutes: Route[] = [createApprovalRoute, listApprovalsRoute, getApprovalRoute, ...voteRoutes, consumeApprovalRoute, withdrawApprovalRoute];

function approvalId(params: Record<string, string>): string {
  const id = params.id ?? "";
  if (!ID.test(id)) throw notFound(id);
  return id;
}

function notFound(id: string): ServerError {
  return new ServerError("approval_not_found", 404, `no approval '${id.slice(0, 64)}'`);
}

async function readOptionalBody(ctx: ServerContext, { req }: RouteRequest): Promise<Record<string, unknown> | undefined> {
  const length = req.headers["content-length"];
  if (req.headers["transfer-encoding"] === undefined && (length === undefined || length === "0")) return undefined;
  const body = await readJsonBody(req, ctx.body);
  if (!isObject(body)) throw bad("the body must be a JSON object");
  return body;
}
