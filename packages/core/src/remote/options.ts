/** Options, counters and the interface of the remote kernel. */
import type { AuditSink } from "../audit/types.js";
import type { KillSwitch, Quarantine } from "../guards/kill-switch.js";
import type { ApprovalHandler, Kernel, KernelStats } from "../kernel/types.js";
import type { DecideOptions, Decision, DecisionRequest } from "../policy/types.js";
import type { RemoteFailureCode } from "./failure.js";
import type { RemoteAuditStats } from "./remote-audit.js";

/** Default time for one round trip to the sidecar: 2 s. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 2_000;
/** Default bound on one answer of the sidecar: 1 MiB. */
export const DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024;

/** Options of `remoteKernel`. */
export interface RemoteKernelOptions {
  /** The sidecar's base URL (`agentgov serve`), e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  /** A bearer token with the `decide` scope. */
  token?: string;
  /** Time for one round trip; past it the call is denied (`remote_timeout`). Default {@link DEFAULT_REMOTE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Bound on one answer; a larger one is denied (`remote_invalid_answer`). Default {@link DEFAULT_MAX_ANSWER_BYTES}. */
  maxAnswerBytes?: number;
  /**
   * Handles `require_approval` in `enforce`. Default: the sidecar's approvals API on the same
   * endpoint and token (`remoteApprovalHandler`, with each approval naming the sidecar's
   * call id). Another handler's approval is recorded through `POST /v1/audit/events`.
   * `false`: none (such calls are denied, `approval_required`).
   */
  approvals?: ApprovalHandler | false;
  /** How long `enforce` waits for an approval. Default `DEFAULT_APPROVAL_TIMEOUT_MS`. */
  approvalTimeoutMs?: number;
  /** A local copy of every entry sent to the sidecar's `POST /v1/audit/events` (adapters' own decisions and markers). Default: none. */
  journal?: AuditSink;
  /** A local kill switch, checked before asking the sidecar. */
  killSwitch?: KillSwitch;
  /** A local quarantine, checked before asking the sidecar. */
  quarantine?: Quarantine;
  /** Milliseconds since the epoch (durations, receipts). Default `Date.now`. */
  clock?: () => number;
}

/** The counters of a remote kernel. */
export interface RemoteKernelStats extends KernelStats, RemoteAuditStats {
  /** Decisions the sidecar answered (both `decide` and `decideAsync`, pre and post tool). */
  remoteDecisions: number;
  /** Failed round trips, by the reason code they denied with. */
  remoteFailures: Record<RemoteFailureCode, number>;
  /** Approvals the kernel stopped waiting for whose withdrawal the sidecar did not confirm (they expire at their own time). */
  readonly approvalWithdrawFailures: number;
}

/** A kernel whose decisions and audit live in a governance sidecar (`agentgov serve`). */
export interface RemoteKernel extends Kernel {
  /**
   * Synchronous, as the Kernel contract requires: a round trip through a worker thread
   * while this thread waits (`Atomics.wait`), so the event loop is blocked for up to
   * `timeoutMs`. Never throws: every failure is a deny with a `remote_*` code.
   */
  decide(request: DecisionRequest, options?: DecideOptions): Decision;
  /** The same decision without blocking the event loop. Never rejects. */
  decideAsync(request: DecisionRequest, options?: DecideOptions): Promise<Decision>;
  readonly stats: Readonly<RemoteKernelStats>;
  /** The sidecar's base URL. */
  readonly endpoint: string;
  /** The id the sidecar's audit records the call `localCallId` under (`undefined` when unknown). */
  serverCallId(localCallId: string): string | undefined;
  /**
   * The policy digest of the sidecar's last answer ("" before the first): `digest` cannot
   * ask the sidecar synchronously without blocking, so it reports what was last seen.
   */
  readonly digest: string;
}
