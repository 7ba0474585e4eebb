/**
 * Operator controls over HTTP: `POST /v1/agents/:id/kill|quarantine|release`, the global
 * `POST /v1/kill` and `POST /v1/kill/release`, and `GET /v1/agents`. Each change is
 * effective for the next decision, persisted and audited, and the answer says what was
 * stopped — and what was not (calls already allowed keep running).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { AuditEntry } from "@agentgov/core";
import type { ControlChange, ControlResult, Hold } from "./agent-controls.js";
import { isObject } from "./audit-entry.js";
import type { Route, RouteRequest, ServerContext } from "./context.js";
import { ServerError } from "./errors.js";
import { sendError, sendJson } from "./http.js";
import { readJsonBody } from "./json-body.js";

/** The reason code of audit records of operator actions (a server code, lower_snake). */
export const OPERATOR_CONTROL_CODE = "operator_control";
const MAX_AGENT_ID = 256;
const MAX_REASON = 1024;

/** `GET /v1/agents`: the kill switch and every held agent. */
export const agentsRoute: Route = {
  method: "GET",
  path: "/v1/agents",
  scope: "audit:read",
  name: "agents",
  handle(ctx, { res }) {
    const holds = ctx.controls.list();
    const { "*": global, ...agents } = holds;
    sendJson(res, 200, { kill_switch: global === undefined ? { engaged: false } : { engaged: true, ...global }, agents });
    return Promise.resolve();
  },
};

/** The control routes (admin scope). */
export const controlRoutes: Route[] = [
  controlRoute("/v1/agents/:id/kill", "kill", true),
  controlRoute("/v1/agents/:id/quarantine", "quarantine", true),
  controlRoute("/v1/agents/:id/release", "release", true),
  controlRoute("/v1/kill", "kill", false),
  controlRoute("/v1/kill/release", "release", false),
];

function controlRoute(path: string, op: ControlChange["op"], perAgent: boolean): Route {
  return {
    method: "POST",
    path,
    scope: "admin",
    name: perAgent ? `agent_${op}` : `global_${op}`,
    async handle(ctx, request) {
      const agent = perAgent ? checkAgentId(request.params.id ?? "") : null;
      const reason = await readReason(ctx, request.req);
      const change: ControlChange = { op, agent, reason: reason ?? defaultReason(op, agent), by: request.principal?.id ?? "" };
      const result = ctx.controls.change(change, (r, hold) => {
        audit(ctx, change, r, hold);
      });
      const answer = describe(ctx, result);
      if (result.persisted && result.audited) sendJson(res(request), 200, answer);
      else {
        const what = !result.persisted ? "persisted (a restart would lose it)" : "audited";
        sendError(res(request), 500, result.persisted ? "AUDIT_UNAVAILABLE" : "STATE_WRITE_FAILED", `the change is in effect but could not be ${what}`, { result: answer });
      }
    },
  };
}

const res = (request: RouteRequest): RouteRequest["res"] => request.res;

function checkAgentId(raw: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw new ServerError("BAD_REQUEST", 400, "the agent id is not valid percent-encoding");
  }
  // eslint-disable-next-line no-control-regex
  if (id === "" || id === "*" || id.length > MAX_AGENT_ID || /[\u0000-\u001f\u007f]/.test(id)) {
    throw new ServerError("BAD_REQUEST", 400, `the agent id must be 1 to ${MAX_AGENT_ID} printable characters (not '*')`);
  }
  return id;
}

async function readReason(ctx: ServerContext, req: IncomingMessage): Promise<string | undefined> {
  const length = req.headers["content-length"];
  const chunked = req.headers["transfer-encoding"] !== undefined;
  if (!chunked && (length === undefined || length === "0")) return undefined;
  const body = await readJsonBody(req, ctx.body);
  if (!isObject(body)) throw new ServerError("BAD_REQUEST", 400, "the body must be { \"reason\": \"...\" }");
  const reason = body.reason;
  if (reason === undefined) return undefined;
  if (typeof reason !== "string" || reason.length > MAX_REASON) throw new ServerError("BAD_REQUEST", 400, `'reason' must be a string of at most ${MAX_REASON} characters`);
  return reason;
}

function defaultReason(op: ControlChange["op"], agent: string | null): string {
  return `${op} ${agent === null ? "everything" : `agent '${agent}'`} by operator request`;
}

function audit(ctx: ServerContext, change: ControlChange, result: ControlResult, hold: Hold | null): void {
  const entry: AuditEntry = {
    kind: "decision",
    agent: result.target,
    stage: "pre_tool",
    tool: "agentgov.control",
    action: change.op,
    call_id: randomUUID(),
    decision: {
      allowed: true,
      action: "log",
      matched_rule: null,
      policy: null,
      code: OPERATOR_CONTROL_CODE,
      reason: `${change.by} changed ${result.target} from ${result.previous} to ${result.state}: ${change.reason}`,
    },
    policy_digest: ctx.kernel.digest,
    outcome: { status: "ok" },
    ext: { control: { op: change.op, target: result.target, previous: result.previous, state: result.state, by: change.by, reason: change.reason, at: hold?.at ?? new Date(ctx.clock()).toISOString() } },
  };
  try {
    ctx.audit.sink.append(entry);
  } catch (error) {
    ctx.metrics.auditFailure();
    throw error;
  }
}

/** The truthful answer: what now stops, and what does not. */
function describe(ctx: ServerContext, result: ControlResult): Record<string, unknown> {
  const global = result.target === "*";
  const inFlight = global ? ctx.pending.count() : ctx.pending.count(result.target);
  const who = global ? "every agent" : `agent '${result.target}'`;
  const stops = result.state === "active"
    ? `nothing: new decisions for ${who} are taken by the policies again`
    : `new decisions for ${who}: denied (${result.state === "killed" ? "kill_switch" : "quarantined"}) from the next decision on`;
  return {
    ...result,
    stops,
    not_stopped: {
      in_flight_calls: inFlight,
      note: inFlight === 0 ? "no allowed call was waiting for its outcome" : "calls already allowed are not interrupted by the server; their outcomes are still recorded",
    },
  };
}
