/**
 * `remoteApprovalHandler`: the core's `ApprovalHandler` backed by the sidecar's approvals
 * API (docs/server.md, "Approvals"): it creates the approval for the exact action
 * (`POST /v1/approvals`), long-polls it while it is pending
 * (`GET /v1/approvals/:id?waitMs=`), and consumes it once approved
 * (`POST /v1/approvals/:id/consume` with the action digest: single use, bound to the
 * action). The kernel's abort signal (its approval timeout) aborts the waiting request
 * and withdraws the approval (`POST /v1/approvals/:id/withdraw`).
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

/** The approval client of one endpoint: handlers bound to a sidecar call id, and counters. */
export interface RemoteApprovals {
  /**
   * A handler whose approval names the sidecar's call `callId` (the `call_id` `/v1/decide`
   * answered for the `require_approval` decision): the sidecar then records the approval's
   * result under it, and the released call waits for its `/v1/outcome` there.
   */
  handlerFor(callId: string | undefined): ApprovalHandler;
  /** Withdrawals the sidecar did not confirm (the approval then expires at its own time). */
  readonly withdrawFailures: number;
  /** Closes the idle sockets. */
  close(): void;
}

/** Creates the approval client of {@link remoteApprovalHandler} (the remote kernel binds each call id). */
export function remoteApprovals(options: RemoteApprovalHandlerOptions): RemoteApprovals {
  const endpoint = parseEndpoint(options.endpoint, options.token);
  const timeoutMs = options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
  const maxBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  let client: HttpClient | undefined;
  let withdrawFailures = 0;
  const http = (): HttpClient => (client ??= createHttpClient(endpoint));
  const send = async (method: "GET" | "POST", path: string, body: unknown, signal?: AbortSignal, waitMs = 0): Promise<Approval> => {
    const call = { method, path, timeoutMs: timeoutMs + waitMs, maxBytes, ...(signal === undefined ? {} : { signal }) };
    const answer = await http().request(body === undefined ? call : { ...call, body: JSON.stringify(body) });
    if (answer.status < 200 || answer.status > 299) throw statusFailure(answer.status, answer.text);
    return parseApproval(answer.text);
  };
  /** Best effort: the sidecar ends the approval, so nobody can approve it for a kernel that stopped waiting. */
  const withdraw = async (path: string): Promise<void> => {
    try {
      await send("POST", `${path}/withdraw`, { reason: "the waiting kernel stopped waiting (its approval timeout)" });
    } catch (error) {
      // Already decided (409 approval_not_pending) is not a failure: nothing is left to approve.
      if (!(error instanceof RemoteFailure && error.serverCode === "approval_not_pending")) withdrawFailures++;
    }
  };
  const handlerFor = (callId: string | undefined): ApprovalHandler => async (request): Promise<ApprovalResult> => {
    const create: Record<string, unknown> = { request: request.request, decision: request.decision, actionDigest: request.actionDigest, approvers: request.approvers, quorum: request.quorum };
    if (options.expiresInMs !== undefined) create.expiresInMs = options.expiresInMs;
    if (callId !== undefined) create.call_id = callId;
    // Not aborted by the signal: an approval the sidecar created must be known, to be withdrawn.
    let approval = await send("POST", "/v1/approvals", create);
    const path = `/v1/approvals/${encodeURIComponent(approval.id)}`;
    try {
      while (approval.status === "pending" && !request.signal.aborted) {
        approval = await send("GET", `${path}?waitMs=${APPROVAL_POLL_MS}`, undefined, request.signal, APPROVAL_POLL_MS);
      }
    } catch (error) {
      if (request.signal.aborted) await withdraw(path);
      throw error;
    }
    if (request.signal.aborted) {
      await withdraw(path);
      return { approved: false, note: "the kernel stopped waiting; the approval was withdrawn" };
    }
    if (approval.status !== "approved") {
      const denial = approval.votes.find((v) => v.verdict === "deny");
      return { approved: false, note: denial === undefined ? `approval ${approval.status}` : `denied by ${denial.approver}${denial.note === undefined ? "" : `: ${denial.note}`}` };
    }
    const consumed = await send("POST", `${path}/consume`, callId === undefined ? { actionDigest: request.actionDigest } : { actionDigest: request.actionDigest, call_id: callId });
    if (consumed.status !== "consumed") throw new RemoteFailure("remote_invalid_answer", `consuming the approval answered status '${consumed.status}'`);
    const approvers = consumed.votes.filter((v) => v.verdict === "approve").map((v) => v.approver);
    const notes = consumed.votes.flatMap((v) => (v.note === undefined ? [] : [`${v.approver}: ${v.note}`]));
    const result: ApprovalResult = { approved: true, approvers };
    if (notes.length > 0) result.note = notes.join("; ");
    return result;
  };
  return {
    handlerFor,
    get withdrawFailures() {
      return withdrawFailures;
    },
    close() {
      client?.close();
    },
  };
}

/**
 * An approval handler that asks the humans voting through the sidecar (its API or web
 * console). Pass it as `approvals` to `createKernel`; `remoteKernel` uses one by default.
 * When the kernel stops waiting (its approval timeout), the approval is withdrawn
 * (`POST /v1/approvals/:id/withdraw`), so nobody can approve it afterwards.
 *
 * @example const kernel = createKernel({ policies, approvals: remoteApprovalHandler({ endpoint, token }) });
 */
export function remoteApprovalHandler(options: RemoteApprovalHandlerOptions): ApprovalHandler {
  return remoteApprovals(options).handlerFor(undefined);
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
