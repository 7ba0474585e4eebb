/**
 * Allowed calls waiting for their outcome, by call id: bounded in number and in time
 * (the oldest are dropped first), so no client can grow the server's memory.
 */
import type { AuditEntry } from "@agentgov/core";

/** Default bound on calls waiting for an outcome. */
export const DEFAULT_MAX_PENDING_CALLS = 100_000;
/** Default time a call waits for its outcome: 1 hour. */
export const DEFAULT_PENDING_TTL_MS = 3_600_000;

/** True for a well-formed call id: 1 to 128 printable ASCII characters, no spaces. */
export function isCallId(value: unknown): value is string {
  return typeof value === "string" && /^[\x21-\x7e]{1,128}$/.test(value);
}

/** What an outcome record is built from. */
export type PendingCall = Omit<AuditEntry, "kind" | "args" | "args_digest" | "outcome">;

/** The calls waiting for an outcome. */
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
}

/** Creates the pending-call table. */
export function createPendingCalls(options: { max?: number; ttlMs?: number; clock?: () => number } = {}): PendingCalls {
  const max = options.max ?? DEFAULT_MAX_PENDING_CALLS;
  const ttl = options.ttlMs ?? DEFAULT_PENDING_TTL_MS;
  const clock = options.clock ?? Date.now;
  const calls = new Map<string, { call: PendingCall; at: number }>();
  const expire = (): void => {
    const now = clock();
    for (const [id, { at }] of calls) {
      if (now - at < ttl && calls.size <= max) break;
      calls.delete(id);
    }
  };
  return {
    add(callId, call) {
      calls.set(callId, { call, at: clock() });
      expire();
    },
    has(callId) {
      expire();
      return calls.has(callId);
    },
    take(callId) {
      expire();
      const hit = calls.get(callId);
      calls.delete(callId);
      return hit?.call;
    },
    restore(callId, call) {
      calls.set(callId, { call, at: clock() });
      expire();
    },
    count(agent) {
      if (agent === undefined) return calls.size;
      let n = 0;
      for (const { call } of calls.values()) if (call.agent === agent) n++;
      return n;
    },
  };
}
