/** `GET /v1/audit` (filtered, paged) and `GET /v1/audit/verify`. */
import type { AuditQuery } from "./audit-store.js";
import type { Route, ServerContext } from "./context.js";
import { ServerError } from "./errors.js";
import { sendJson } from "./http.js";

/** Default records per audit page. */
export const DEFAULT_PAGE_SIZE = 100;

const PARAMS = new Set(["agent", "tool", "decision", "code", "call_id", "kind", "since", "until", "limit", "cursor"]);

/** `GET /v1/audit?agent&tool&decision&code&call_id&kind&since&until&limit&cursor`. */
export const auditRoute: Route = {
  method: "GET",
  path: "/v1/audit",
  scope: "audit:read",
  name: "audit",
  async handle(ctx, { res, url }) {
    sendJson(res, 200, await ctx.audit.query(parseQuery(ctx, url.searchParams)));
  },
};

/** `GET /v1/audit/verify`: the verification result of the whole log. */
export const auditVerifyRoute: Route = {
  method: "GET",
  path: "/v1/audit/verify",
  scope: "audit:read",
  name: "audit_verify",
  async handle(ctx, { res }) {
    sendJson(res, 200, await ctx.audit.verify());
  },
};

function parseQuery(ctx: ServerContext, params: URLSearchParams): AuditQuery {
  const bad = (message: string): ServerError => new ServerError("BAD_REQUEST", 400, message);
  for (const key of params.keys()) if (!PARAMS.has(key)) throw bad(`unknown query parameter '${key}' (known: ${[...PARAMS].join(", ")})`);
  const one = (key: string): string | undefined => {
    const values = params.getAll(key);
    if (values.length > 1) throw bad(`'${key}' given more than once`);
    const value = values[0];
    if (value !== undefined && value.length > 1024) throw bad(`'${key}' is too long`);
    return value;
  };
  const time = (key: string): number | undefined => {
    const value = one(key);
    if (value === undefined) return undefined;
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(ms)) throw bad(`'${key}' must be an ISO-8601 time or ms since the epoch`);
    return ms;
  };
  const limitText = one("limit");
  const limit = limitText === undefined ? Math.min(DEFAULT_PAGE_SIZE, ctx.maxPageSize) : Number(limitText);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > ctx.maxPageSize) throw bad(`'limit' must be an integer from 1 to ${ctx.maxPageSize}`);
  const query: AuditQuery = { limit };
  const kind = one("kind");
  if (kind !== undefined && kind !== "decision" && kind !== "outcome") throw bad("'kind' must be decision or outcome");
  if (kind !== undefined) query.kind = kind;
  const strings: [keyof AuditQuery, string][] = [["agent", "agent"], ["tool", "tool"], ["decision", "decision"], ["code", "code"], ["callId", "call_id"], ["cursor", "cursor"]];
  for (const [field, key] of strings) {
    const value = one(key);
    if (value !== undefined) (query as unknown as Record<string, unknown>)[field] = value;
  }
  const since = time("since");
  if (since !== undefined) query.since = since;
  const until = time("until");
  if (until !== undefined) query.until = until;
  return query;
}
