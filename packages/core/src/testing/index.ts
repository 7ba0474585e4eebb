/**
 * `@agentgov/core/testing`: helpers for testing governed code — a manual clock, scripted
 * approvals, an audit sink that refuses records (to test your own fail-closed paths), and
 * the denial a governed call rejects with.
 */
import { AgentGovError, GovernanceDenied } from "../errors.js";
import type { AuditSink } from "../audit/types.js";
import type { ApprovalHandler, ApprovalRequest, ApprovalResult } from "../kernel/types.js";

/** A clock that moves only when told to. */
export interface ManualClock {
  /** Pass as `clock` to any agentgov option. */
  (): number;
  /** Moves time forward by `ms`. */
  advance(ms: number): void;
  /** Sets the time. */
  set(ms: number): void;
}

/** Creates a {@link ManualClock} starting at `start` ms since the epoch. */
export function manualClock(start = 0): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}

/** An approval handler that answers from a script, in order, and records what it was asked. */
export interface ScriptedApprovals extends ApprovalHandler {
  readonly asked: readonly ApprovalRequest[];
}

/** Answers each approval request with the next scripted result (an Error rejects; none left rejects too). */
export function scriptedApprovals(script: readonly (ApprovalResult | Error)[]): ScriptedApprovals {
  const asked: ApprovalRequest[] = [];
  let next = 0;
  const handler = ((request: ApprovalRequest) => {
    asked.push(request);
    const answer = script[next++];
    if (answer === undefined) return Promise.reject(new Error("scriptedApprovals: no answer left"));
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }) as ScriptedApprovals;
  Object.defineProperty(handler, "asked", { get: () => asked });
  return handler;
}

/** An audit sink that refuses every record, as a full disk would. */
export function refusingAudit(reason = "refusingAudit: the sink refuses every record"): AuditSink {
  return {
    append: () => {
      throw new AgentGovError("AUDIT_UNAVAILABLE", reason);
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
    head: () => ({ seq: 0, hash: "0".repeat(64) }),
  };
}

/**
 * The `GovernanceDenied` that `promise` (a governed call) rejects with, to assert on its
 * decision. Rethrows any other rejection; throws when the promise resolves.
 */
export async function denial(promise: Promise<unknown>): Promise<GovernanceDenied> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GovernanceDenied) return error;
    throw error;
  }
  throw new Error("expected GovernanceDenied");
}
