/**
 * Calls the server answered and still waits on, by call id: allowed calls waiting for their
 * outcome, and `require_approval` calls waiting for their approval (with the action digest
 * the approval must be for). Both tables are bounded in number and in time (the oldest are
 * dropped first), so no client can grow the server's memory.
 */
import type { AuditEntry } from "@agentgov/core";

/** Default bound on calls waiting for an outcome. */
export const DEFAULT_MAX_PENDING_CALLS = 100_000;
/** Default time a call waits for its outcome: 1 hour. */
export const DEFAULT_PENDING_TTL_MS = 3_600_000;
/** Default bound on `require_approval` calls remembered for their approval. */
export const DEFAULT_MAX_APPROVAL_CALLS = 10_000;
/** Default time a `require_approval` call is remembered for its approval: 1 hour. */
export const DEFAULT_APPROVAL_CALL_TTL_MS = 3_600_000;

/** True for a well-formed call id: 1 to 128 printable ASCII characters, no spaces. */
export function isCallId(value: unknown): value is string {
  return typeof value === "string" && /^[\x21-\x7e]{1,128}$/.test(value);
}

/** What an outcome record is built from. */
export type PendingCall = Omit<AuditEntry, "kind" | "args" | "args_digest" | "outcome">;

/**
 * The pending call of a decision record: every field of `entry` but `kind`, `args`,
 * `args_digest` and `outcome` (what `const { kind, args, args_digest, outcome, ...call } =
 * entry` gives, copied field by field: an object rest is several times slower).
 */
export function pendingCallOf(entry: AuditEntry): PendingCall {
  const call: PendingCall = { agent: entry.agent, stage: entry.stage, decision: entry.decision, policy_digest: entry.policy_digest };
  if (entry.tool !== undefined) call.tool = entry.tool;
  if (entry.action !== undefined) call.action = entry.action;
  if (entry.call_id !== undefined) call.call_id = entry.call_id;
  if (entry.run_id !== undefined) call.run_id = entry.run_id;
  if (entry.audit_failures !== undefined) call.audit_failures = entry.audit_failures;
  if (entry.ext !== undefined) call.ext = entry.ext;
  return call;
}

/**
 * `require_approval` calls `/v1/decide` answered, by call id, with the action digest of the
 * decision (see action-digest.ts). An approval may name such a call only for that action,
 * and releases it at most once.
 */
export interface ApprovalCalls {
  /** Remembers `callId` as waiting for an approval of the action `actionDigest` (the latest decision under a call id wins). */
  remember(callId: string, actionDigest: string): void;
  /** The action digest `callId` waits for an approval of, or undefined (unknown, released, forgotten or expired). */
  digestOf(callId: string): string | undefined;
  /** Forgets `callId` (released by an approval, or decided again other than `require_approval`). */
  forget(callId: string): void;
  /** Calls remembered. */
  count(): number;
}

/** The calls waiting for an outcome (and, in `awaitingApproval`, the ones waiting for an approval). */
export interface PendingCalls {
  add(callId: string, call: PendingCall): void;
  /** True while `callId` waits for its outcome. */
  has(callId: string): boolean;
  /** Removes and returns the call, or undefined when unknown, reported or expired. */
  take(callId: string): PendingCall | undefined;
  /** Puts a taken call back (when its outcome could not be recorded). */
  restore(callId: string, call: PendingCall): void;
  /** Calls waiting, in total or for one agent. */
  count(agent?: string): number;
  /** `require_approval` calls waiting for their approval. */
  readonly awaitingApproval: ApprovalCalls;
}

/** Options of {@link createPendingCalls}. */
export interface PendingCallsOptions {
  max?: number;
  ttlMs?: number;
  /** Bound on `require_approval` calls remembered (default {@link DEFAULT_MAX_APPROVAL_CALLS}). */
  maxApprovalCalls?: number;
  /** How long a `require_approval` call is remembered (default {@link DEFAULT_APPROVAL_CALL_TTL_MS}). */
  approvalCallTtlMs?: number;
  clock?: () => number;
}

/** A map bounded in size and age: insertion order is age order, the oldest go first. */
interface BoundedTable<V> {
  set(key: string, value: V): void;
  get(key: string): V | undefined;
  delete(key: string): void;
  values(): IterableIterator<V>;
  readonly size: number;
}

/** One entry of a {@link boundedTable}, also its place in the age queue. */
interface Slot<V> {
  key: string;
  value: V;
  at: number;
}

/**
 * The age queue keeps slots oldest first; a slot whose key was deleted or set again is
 * stale and skipped. Expiring looks at the queue head only, so it costs O(1) amortised
 * however full the table is (a Map iterated from its start walks every deleted entry
 * still in it, which at the bound made each insertion scan tens of thousands). The queue
 * is compacted once stale slots outnumber twice the live ones, so its memory stays bounded.
 */
function boundedTable<V>(max: number, ttl: number, clock: () => number): BoundedTable<V> {
  const entries = new Map<string, Slot<V>>();
  let queue: Slot<V>[] = [];
  let head = 0;
  const expire = (): void => {
    const now = clock();
    while (head < queue.length) {
      const slot = queue[head] as Slot<V>;
      if (entries.get(slot.key) === slot) {
        if (now - slot.at < ttl && entries.size <= max) break;
        entries.delete(slot.key);
      }
      head++;
    }
    if (queue.length - head > 2 * entries.size + 1024) {
      queue = queue.slice(head).filter((slot) => entries.get(slot.key) === slot);
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };
  return {
    set(key, value) {
      const slot: Slot<V> = { key, value, at: clock() };
      entries.set(key, slot); // a key set again is the newest: its older slot goes stale
      queue.push(slot);
      expire();
    },
    get(key) {
      expire();
      return entries.get(key)?.value;
    },
    delete(key) {
      entries.delete(key);
    },
    *values() {
      for (const { value } of entries.values()) yield value;
    },
    get size() {
      return entries.size;
    },
  };
}

/** Creates the pending-call tables. */
export function createPendingCalls(options: PendingCallsOptions = {}): PendingCalls {
  const clock = options.clock ?? Date.now;
  const calls = boundedTable<PendingCall>(options.max ?? DEFAULT_MAX_PENDING_CALLS, options.ttlMs ?? DEFAULT_PENDING_TTL_MS, clock);
  const approvalCalls = boundedTable<string>(options.maxApprovalCalls ?? DEFAULT_MAX_APPROVAL_CALLS, options.approvalCallTtlMs ?? DEFAULT_APPROVAL_CALL_TTL_MS, clock);
  return {
    add(callId, call) {
      calls.set(callId, call);
    },
    has(callId) {
      return calls.get(callId) !== undefined;
    },
    take(callId) {
      const call = calls.get(callId);
      calls.delete(callId);
      return call;
    },
    restore(callId, call) {
      calls.set(callId, call);
    },
    count(agent) {
      if (agent === undefined) return calls.size;
      let n = 0;
      for (const call of calls.values()) if (call.agent === agent) n++;
      return n;
    },
    awaitingApproval: {
      remember(callId, actionDigest) {
        approvalCalls.set(callId, actionDigest);
      },
      digestOf: (callId) => approvalCalls.get(callId),
      forget(callId) {
        approvalCalls.delete(callId);
      },
      count: () => approvalCalls.size,
    },
  };
}
