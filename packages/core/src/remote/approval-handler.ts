/**
 * `remoteApprovalHandler`: the core's `ApprovalHandler` backed by the sidecar's approvals
 * API (docs/server.md, "Approvals"): it creates the approval for the exact action
 * (`POST /v1/approvals`), long-polls it while it is pending
 * (`GET /v1/approvals/:id?waitMs=`), and consumes it once approved
 * (`POST /v1/approvals/:id/consume` with the action digest: single use, bound to the
 * action). The kernel's abort signal (its approval timeout) aborts the waiting request.
 * Every failure (the sidecar unreachable, an error answer, a malformed approval) throws,
 * which the kernel turns into a deny (`approval_error`).
 */
import type { ApprovalHandler, ApprovalResult } from "../kernel/types.js";
import { isObject } from "../kernel/audit-entry.js";
import { parseEndpoint } from "./endpoint.js";
import { RemoteFailure, statusFailure } from "./failure.js";
import { createHttpClient, type HttpClient } from "./http-client.js";
import { DEFAULT_MAX_ANSWER_BYTES, DEFAULT_REMOTE_TIMEOUT_MS } from "./options.js";

/** Longest wait asked of the sidecar per long-poll (it caps waits at 30 s). */
export const APPROVAL_POLL_MS = 25_000;

/** Options of {@link remoteApprovalHandler}. */
export interface RemoteApprovalHandlerOptions {
  /** The sidecar's base URL, e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  /** A bearer token with the `decide` scope. */
  token?: string;
  /** Time for each request beyond the long-poll's own wait. Default {@link DEFAULT_REMOTE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Lifetime of each approval (the sidecar caps it). Default: the sidecar's. */
  expiresInMs?: number;
  /** Bound on each answer's size. Default {@link DEFAULT_MAX_ANSWER_BYTES}. */
  maxAnswerBytes?: number;
}

/** An approval as the handler reads it. */
interface Approval {
  id: string;
  status: "pending" | "approved" | "denied" | "expired" | "consumed";
  votes: { approver: string; verdict: "approve" | "deny"; note?: string }[];
}

const STATUSES = new Set(["pending", "approved", "denied", "expired", "consumed"]);

/**
 * An approval handler that asks the humans voting through the sidecar (its API or web
 * console). Pass it as `approvals` to `createKernel`; `remoteKernel` uses one by default.
 *
 * @example const kernel = createKernel({ policies, approvals: remoteApprovalHandler({ endpoint, token }) });
 */
export function remoteApprovalHandler(options: RemoteApprovalHandlerOptions): ApprovalHandler {
  const endpoint = parseEndpoint(options.endpoint, options.token);
  const timeoutMs = options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
  const maxBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  let client: HttpClient | undefined;
  return async (request): Promise<ApprovalResult> => {
    client ??= createHttpClient(endpoint);
    const http = client;
    const call = async (method: "GET" | "POST", path: string, body: unknown, waitMs = 0): Promise<Approval> => {
      const call = { method, path, timeoutMs: timeoutMs + waitMs, maxBytes, signal: request.signal };
      const answer = await http.request(body === undefined ? call : { ...call, body: JSON.stringify(body) });
      if (answer.status < 200 || answer.status > 299) throw statusFailure(answer.status, answer.text);
      return parseApproval(answer.text);
    };
    const create: Record<string, unknown> = { request: request.request, decision: request.decision, actionDigest: request.actionDigest, approvers: request.approvers, quorum: request.quorum };
    if (options.expiresInMs !== undefined) create.expiresInMs = options.expiresInMs;
    let approval = await call("POST", "/v1/approvals", create);
    const path = `/v1/approvals/${encodeURIComponent(approval.id)}`;
    while (approval.status === "pending") {
      approval = await call("GET", `${path}?waitMs=${APPROVAL_POLL_MS}`, undefined, APPROVAL_POLL_MS);
    }
    if (approval.status !== "approved") {
      const denial = approval.votes.find((v) => v.verdict === "deny");
      return { approved: false, note: denial === undefined ? `approval ${approval.status}` : `denied by ${denial.approver}${denial.note === undefined ? "" : `: ${denial.note}`}` };
    }
    const consumed = await call("POST", `${path}/consume`, { actionDigest: request.actionDigest });
    if (consumed.status !== "consumed") throw new RemoteFailure("remote_invalid_answer", `consuming the approval answered status '${consumed.status}'`);
    const approvers = consumed.votes.filter((v) => v.verdict === "approve").map((v) => v.approver);
    const notes = consumed.votes.flatMap((v) => (v.note === undefined ? [] : [`${v.approver}: ${v.note}`]));
    const result: ApprovalResult = { approved: true, approvers };
    if (notes.length > 0) result.note = notes.join("; ");
    return result;
  };
}

function parseApproval(text: string): Approval {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RemoteFailure("remote_invalid_answer", "the sidecar's approval answer is not JSON");
  }
  if (!isObject(value) || typeof value.id !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(value.id) || typeof value.status !== "string" || !STATUSES.has(value.status) || !Array.isArray(value.votes)) {
    throw new RemoteFailure("remote_invalid_answer", "the sidecar's answer is not an approval");
  }
  const votes = value.votes.map((v: unknown) => {
    if (!isObject(v) || typeof v.approver !== "string" || (v.verdict !== "approve" && v.verdict !== "deny") || (v.note !== undefined && typeof v.note !== "string")) {
      throw new RemoteFailure("remote_invalid_answer", "the sidecar's approval has a malformed vote");
    }
    const vote: Approval["votes"][number] = { approver: v.approver, verdict: v.verdict };
    if (typeof v.note === "string") vote.note = v.note;
    return vote;
  });
  return { id: value.id, status: value.status as Approval["status"], votes };
}
