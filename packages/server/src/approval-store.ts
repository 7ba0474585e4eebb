/**
 * The approval store: pending human approvals of `require_approval` actions, in memory,
 * bounded, with expiry by an injectable clock. An approval is bound to the SHA-256 of the
 * exact action (see action-digest.ts), needs `quorum` distinct approvers, is denied by any
 * deny vote, expires (deny) at `expiresAt`, and is consumed at most once.
 *
 * Every change (create, vote, consume, expiry) is handed to `record` BEFORE it takes
 * effect: when recording throws (the audit refuses), nothing changes — except an expiry,
 * which only stops more and so happens anyway.
 */
import { randomBytes } from "node:crypto";
import { auditArgs, type Decision, type DecisionRequest } from "@agentgov/core";
import { actionDigestOf } from "./action-digest.js";
import { agentIdOf, isObject } from "./audit-entry.js";
import { ServerError } from "./errors.js";
import { isCallId } from "./pending-calls.js";

/** Lifecycle of an approval. */
export type ApprovalStatus = "pending" | "approved" | "denied" | "expired" | "consumed";

/** One approver's vote. */
export interface ApprovalVote {
  approver: string;
  verdict: "approve" | "deny";
  note?: string;
  /** ISO-8601 time of the vote. */
  at: string;
}

/** An approval as the API answers it (docs/server.md, "Approvals"). */
export interface Approval {
  /** Random, URL-safe. */
  id: string;
  status: ApprovalStatus;
  agent: string;
  tool: string | null;
  /** sha256 (hex) of the canonical `{agent, tool, args, policy_digest}`. */
  actionDigest: string;
  policy: string | null;
  rule: string | null;
  reason: string;
  quorum: number;
  /** Approver ids allowed to vote; empty: anyone holding the `approve` scope. */
  approvers: string[];
  votes: ApprovalVote[];
  createdAt: string;
  expiresAt: string;
  /** The arguments, secrets redacted, for display. */
  args?: unknown;
  /**
   * The call id of the `require_approval` decision this approval is for (the `call_id`
   * `/v1/decide` answered), given at creation or at consume: the approval's result and the
   * tool's outcome are recorded under it.
   */
  callId?: string;
}

/** What creating an approval takes. */
export interface ApprovalInput {
  request: DecisionRequest;
  decision: Decision;
  /** The digest the caller computed; it must equal the server's. */
  actionDigest: string;
  /** Default: the decision's `approvers` (or none: anyone with `approve`). */
  approvers?: readonly string[];
  /** Default: the decision's `quorum` (or 1). */
  quorum?: number;
  /** Default and cap: the store's `maxExpiresInMs`. */
  expiresInMs?: number;
  /** The call id of the decision (see {@link Approval.callId}). */
  callId?: string;
}

/** A change of an approval, handed to `record` before it takes effect. */
export interface ApprovalEvent {
  /** `withdraw`: the waiting client stopped waiting; the approval ends `expired`. */
  event: "create" | "vote" | "consume" | "expire" | "withdraw";
  /** The approval after the change. */
  approval: Approval;
  /** Who caused it (the approver, or null for the system). */
  by: string | null;
  /** The request and decision the approval was created from. */
  request: DecisionRequest;
  decision: Decision;
  vote?: ApprovalVote;
  /** Why an approval expired or was withdrawn. */
  cause?: string;
}

/** Default bound on pending approvals; creating more answers `approval_capacity`. */
export const DEFAULT_MAX_PENDING_APPROVALS = 1000;
/** Default bound on finished approvals kept for `get`/`consume` (oldest dropped first). */
export const DEFAULT_MAX_FINISHED_APPROVALS = 10_000;
/** Default (and cap) of an approval's lifetime: 5 minutes. */
export const DEFAULT_MAX_APPROVAL_MS = 300_000;
/** Longest a long-poll waits. */
export const MAX_APPROVAL_WAIT_MS = 30_000;
const MAX_APPROVERS = 64;
const MAX_ID = 256;
const MAX_NOTE = 1024;
const SWEEP_MS = 1000;

/** Options of {@link createApprovalStore}. */
export interface ApprovalStoreOptions {
  /** ms since the epoch (default `Date.now`): creation, votes and expiry. */
  clock?: () => number;
  maxPending?: number;
  maxFinished?: number;
  /** Longest lifetime of an approval (default {@link DEFAULT_MAX_APPROVAL_MS}). */
  maxExpiresInMs?: number;
  /** Records a change before it takes effect; throwing refuses it (fail closed). */
  record?: (event: ApprovalEvent) => void;
  /** Receives a change that could not be recorded but took effect (an expiry). */
  onRecordFailure?: (error: unknown, event: ApprovalEvent) => void;
}

/** The approval store. */
export interface ApprovalStore {
  /** Creates a pending approval. Throws `approval_digest_mismatch`, `approval_capacity`, `BAD_REQUEST`. */
  create(input: ApprovalInput): Approval;
  /** The approval (expired first when due), or undefined when unknown. */
  get(id: string): Approval | undefined;
  /** Approvals, oldest first, optionally of one status. */
  list(status?: ApprovalStatus): Approval[];
  /** Votes. Throws `approval_not_found`, `approval_not_pending`, `approval_not_allowed`, `approval_already_voted`. */
  vote(id: string, approver: string, verdict: "approve" | "deny", note?: string): Approval;
  /**
   * Consumes an approved approval for the action `actionDigest`, once, for the call
   * `callId` (when given; it must equal one given at creation). Throws `approval_not_approved`,
   * `approval_consumed`, `approval_expired`, `approval_digest_mismatch`, `approval_call_mismatch`.
   */
  consume(id: string, actionDigest: string, callId?: string): Approval;
  /**
   * Withdraws an approval nobody waits for any more (`cause` and `by` are recorded): it ends
   * `expired`, so it can no longer be approved or consumed. Returns the approval after it,
   * or undefined when unknown; does nothing unless it is pending or approved (not yet consumed).
   */
  withdraw(id: string, cause: string, by?: string | null): Approval | undefined;
  /** The request and decision an approval was created from (copies), or undefined when unknown. */
  origin(id: string): { request: DecisionRequest; decision: Decision } | undefined;
  /** Resolves with the approval once it is no longer pending, or after `ms`, or when `signal` aborts. */
  wait(id: string, ms: number, signal?: AbortSignal): Promise<Approval | undefined>;
  /** Expires every due approval now (also done on each access and by a 1 s timer). */
  sweep(): void;
  /** Pending approvals. */
  pendingCount(): number;
  /** Stops the timer and releases every waiter. */
  close(): void;
}

interface Entry {
  approval: Approval;
  request: DecisionRequest;
  decision: Decision;
  expiresAtMs: number;
}

/** Creates an approval store. */
export function createApprovalStore(options: ApprovalStoreOptions = {}): ApprovalStore {
  const clock = options.clock ?? Date.now;
  const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_APPROVALS;
  const maxFinished = options.maxFinished ?? DEFAULT_MAX_FINISHED_APPROVALS;
  const maxMs = options.maxExpiresInMs ?? DEFAULT_MAX_APPROVAL_MS;
  for (const [name, value] of [["maxPending", maxPending], ["maxFinished", maxFinished], ["maxExpiresInMs", maxMs]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new ServerError("INVALID_OPTIONS", 500, `${name} must be a positive integer, got ${String(value)}`);
  }
  const record = options.record ?? (() => undefined);
  const entries = new Map<string, Entry>();
  /** Finished approval ids, oldest first (a Set keeps insertion order). */
  const finished = new Set<string>();
  /** Pending and approved approvals: the ones that can still expire. */
  const live = new Set<Entry>();
  let pending = 0;
  const waiters = new Map<string, Set<() => void>>();
  let closed = false;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const snapshot = (a: Approval): Approval => structuredClone(a);

  const wake = (id: string): void => {
    const set = waiters.get(id);
    if (set === undefined) return;
    waiters.delete(id);
    for (const done of set) done();
  };

  /** Applies a status change from pending/approved to a final state. */
  const finish = (entry: Entry, status: ApprovalStatus): void => {
    if (entry.approval.status === "pending") pending--;
    entry.approval.status = status;
    if (status !== "approved") {
      live.delete(entry);
      finished.add(entry.approval.id);
      while (finished.size > maxFinished) {
        const oldest = finished.values().next().value;
        if (oldest === undefined) break;
        finished.delete(oldest);
        entries.delete(oldest);
      }
    }
    wake(entry.approval.id);
  };

  /** Ends an approval `expired` (an expiry or a withdrawal stops more, so it happens even when unrecorded). */
  const expire = (entry: Entry, cause: string, event: "expire" | "withdraw" = "expire", by: string | null = null): void => {
    const change: ApprovalEvent = { event, approval: { ...snapshot(entry.approval), status: "expired" }, by, request: entry.request, decision: entry.decision, cause };
    try {
      record(change);
    } catch (error) {
      options.onRecordFailure?.(error, change);
    }
    finish(entry, "expired");
  };

  const expireDue = (entry: Entry): void => {
    const s = entry.approval.status;
    if ((s === "pending" || s === "approved") && clock() >= entry.expiresAtMs) expire(entry, "expired at " + entry.approval.expiresAt);
  };

  const sweep = (): void => {
    for (const entry of live) expireDue(entry);
  };
  const timer = setInterval(sweep, SWEEP_MS);
  timer.unref();

  const lookup = (id: string): Entry => {
    const entry = entries.get(id);
    if (entry === undefined) throw new ServerError("approval_not_found", 404, `no approval '${id.slice(0, MAX_ID)}' (unknown, or finished long ago)`);
    expireDue(entry);
    return entry;
  };

  return {
    create(input) {
      sweep();
      const { request, decision } = input;
      const bad = (message: string): ServerError => new ServerError("BAD_REQUEST", 400, message);
      if (!isObject(request) || !isObject(decision)) throw bad("'request' and 'decision' must be objects");
      if (decision.action !== "require_approval") throw bad(`only a require_approval decision needs an approval, got '${decision.action}'`);
      if (typeof decision.policy_digest !== "string") throw bad("'decision.policy_digest' must be the policy digest of the decision");
      const nullableString = (v: unknown): boolean => v === null || typeof v === "string";
      if (!nullableString(decision.policy) || !nullableString(decision.matched_rule) || typeof (decision.reason as unknown) !== "string") {
        throw bad("'decision.policy' and 'decision.matched_rule' must be strings or null, 'decision.reason' a string");
      }
      let digest: string;
      try {
        digest = actionDigestOf(request, decision.policy_digest);
      } catch (error) {
        throw bad(`the request's arguments are not JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (typeof input.actionDigest !== "string" || input.actionDigest !== digest) {
        throw new ServerError("approval_digest_mismatch", 400, "the action digest is not the sha256 of this exact action (agent, tool, arguments, policy digest)");
      }
      const approvers: unknown = input.approvers ?? decision.approvers ?? [];
      if (!Array.isArray(approvers) || approvers.length > MAX_APPROVERS || !approvers.every((a) => typeof a === "string" && a !== "" && a.length <= MAX_ID)) {
        throw bad(`'approvers' must be at most ${MAX_APPROVERS} non-empty ids`);
      }
      const quorum = input.quorum ?? decision.quorum ?? 1;
      if (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > MAX_APPROVERS) throw bad(`'quorum' must be an integer from 1 to ${MAX_APPROVERS}`);
      const lifetime = input.expiresInMs ?? maxMs;
      if (!Number.isSafeInteger(lifetime) || lifetime < 1) throw bad("'expiresInMs' must be a positive integer");
      if (input.callId !== undefined && !isCallId(input.callId)) throw bad("'call_id' must be the call id /v1/decide answered (1 to 128 printable characters)");
      if (pending >= maxPending) throw new ServerError("approval_capacity", 503, `${maxPending} approvals are pending; refusing more until some are decided or expire`);
      const now = clock();
      const expiresAtMs = now + Math.min(lifetime, maxMs);
      const context: Record<string, unknown> = isObject(request.context) ? request.context : {};
      const tool = isObject(context.tool) && typeof context.tool.name === "string" ? context.tool.name : null;
      const approval: Approval = {
        id: randomBytes(18).toString("base64url"),
        status: "pending",
        agent: agentIdOf(request) ?? "",
        tool,
        actionDigest: digest,
        policy: decision.policy,
        rule: decision.matched_rule,
        reason: decision.reason,
        quorum,
        approvers: [...new Set(approvers as string[])],
        votes: [],
        createdAt: iso(now),
        expiresAt: iso(expiresAtMs),
      };
      if (context.args !== undefined) approval.args = auditArgs(context.args, "redacted", decision.transform?.redact);
      if (input.callId !== undefined) approval.callId = input.callId;
      const kept: Decision = structuredClone(decision);
      const keptRequest: DecisionRequest = structuredClone(request);
      record({ event: "create", approval: snapshot(approval), by: null, request: keptRequest, decision: kept });
      const entry: Entry = { approval, request: keptRequest, decision: kept, expiresAtMs };
      entries.set(approval.id, entry);
      live.add(entry);
      pending++;
      return snapshot(approval);
    },

    get(id) {
      const entry = entries.get(id);
      if (entry === undefined) return undefined;
      expireDue(entry);
      return snapshot(entry.approval);
    },

    list(status) {
      sweep();
      const out: Approval[] = [];
      for (const { approval } of entries.values()) if (status === undefined || approval.status === status) out.push(snapshot(approval));
      return out;
    },

    vote(id, approver, verdict, note) {
      const entry = lookup(id);
      const a = entry.approval;
      if (a.status !== "pending") throw new ServerError("approval_not_pending", 409, `approval '${id}' is ${a.status}; votes are taken only while it is pending`);
      if (a.approvers.length > 0 && !a.approvers.includes(approver)) throw new ServerError("approval_not_allowed", 403, `'${approver}' is not one of the approvers of this approval (${a.approvers.join(", ")})`);
      if (a.votes.some((v) => v.approver === approver)) throw new ServerError("approval_already_voted", 409, `'${approver}' has already voted on approval '${id}'; a vote counts once`);
      if (note !== undefined && note.length > MAX_NOTE) throw new ServerError("BAD_REQUEST", 400, `'note' must be at most ${MAX_NOTE} characters`);
      const cast: ApprovalVote = { approver, verdict, at: iso(clock()) };
      if (note !== undefined) cast.note = note;
      const next = snapshot(a);
      next.votes.push(cast);
      const approvals = new Set(next.votes.filter((v) => v.verdict === "approve").map((v) => v.approver)).size;
      next.status = verdict === "deny" ? "denied" : approvals >= a.quorum ? "approved" : "pending";
      record({ event: "vote", approval: snapshot(next), by: approver, request: entry.request, decision: entry.decision, vote: cast });
      a.votes.push(cast);
      if (next.status === "pending") wake(id);
      else finish(entry, next.status);
      return snapshot(a);
    },

    consume(id, actionDigest, callId) {
      const entry = lookup(id);
      const a = entry.approval;
      if (a.status === "consumed") throw new ServerError("approval_consumed", 409, `approval '${id}' was already used; an approval is single-use`);
      if (a.status === "expired") throw new ServerError("approval_expired", 409, `approval '${id}' expired at ${a.expiresAt}`);
      if (a.status !== "approved") throw new ServerError("approval_not_approved", 409, `approval '${id}' is ${a.status}, not approved`);
      if (actionDigest !== a.actionDigest) throw new ServerError("approval_digest_mismatch", 409, "this approval was given for another action (agent, tool, arguments or policy set differ)");
      if (callId !== undefined && !isCallId(callId)) throw new ServerError("BAD_REQUEST", 400, "'call_id' must be the call id /v1/decide answered (1 to 128 printable characters)");
      if (callId !== undefined && a.callId !== undefined && callId !== a.callId) throw new ServerError("approval_call_mismatch", 409, `approval '${id}' was asked for call '${a.callId}', not '${callId}'`);
      const next: Approval = { ...snapshot(a), status: "consumed" };
      if (callId !== undefined) next.callId = callId;
      record({ event: "consume", approval: next, by: null, request: entry.request, decision: entry.decision });
      if (callId !== undefined) a.callId = callId;
      finish(entry, "consumed");
      return snapshot(a);
    },

    withdraw(id, cause, by = null) {
      const entry = entries.get(id);
      if (entry === undefined) return undefined;
      expireDue(entry);
      if (entry.approval.status === "pending" || entry.approval.status === "approved") expire(entry, cause, "withdraw", by);
      return snapshot(entry.approval);
    },

    origin(id) {
      const entry = entries.get(id);
      return entry === undefined ? undefined : { request: structuredClone(entry.request), decision: structuredClone(entry.decision) };
    },

    wait(id, ms, signal) {
      const entry = entries.get(id);
      if (entry === undefined) return Promise.resolve(undefined);
      expireDue(entry);
      if (entry.approval.status !== "pending" || ms <= 0 || signal?.aborted === true || closed) return Promise.resolve(snapshot(entry.approval));
      return new Promise((resolve) => {
        let timedOut = false;
        const check = (): void => {
          expireDue(entry);
          // A vote that leaves the approval pending wakes waiters too: keep waiting for the rest.
          if (entry.approval.status === "pending" && !timedOut && signal?.aborted !== true && !closed) {
            listen();
            return;
          }
          clearTimeout(deadline);
          signal?.removeEventListener("abort", check);
          waiters.get(id)?.delete(check);
          resolve(snapshot(entry.approval));
        };
        const listen = (): void => {
          let set = waiters.get(id);
          if (set === undefined) waiters.set(id, (set = new Set()));
          set.add(check);
        };
        const deadline = setTimeout(() => {
          timedOut = true;
          check();
        }, ms);
        signal?.addEventListener("abort", check, { once: true });
        listen();
      });
    },

    sweep,
    pendingCount: () => pending,

    close() {
      closed = true;
      clearInterval(timer);
      for (const id of [...waiters.keys()]) wake(id);
    },
  };
}
