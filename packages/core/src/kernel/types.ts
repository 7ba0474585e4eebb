/** The kernel's public contract: options, approvals, and the kernel itself. */
import type { AuditSink } from "../audit/types.js";
import type { KillSwitch, Quarantine } from "../guards/kill-switch.js";
import type { PluginGrant, PluginRoots } from "../guards/plugin-grant.js";
import type { PolicyEngine } from "../policy/engine.js";
import type { PolicySource } from "../policy/load.js";
import type { RateLimiter } from "../policy/rate-limiter.js";
import type { ConflictStrategy, DecideOptions, Decision, DecisionRequest } from "../policy/types.js";

/** What an approval handler is asked. */
export interface ApprovalRequest {
  request: DecisionRequest;
  decision: Decision;
  /** sha256 (hex) of the canonical {agent, tool, args, policy_digest}: an approval is bound to this exact action. */
  actionDigest: string;
  approvers: string[];
  quorum: number;
  /** Aborted when the kernel stops waiting (timeout). */
  signal: AbortSignal;
}

/** An approver's answer. */
export interface ApprovalResult {
  approved: boolean;
  /** Who decided. */
  approvers?: string[];
  note?: string;
}

/** Asks humans (or a service) to approve a `require_approval` action. */
export type ApprovalHandler = (request: ApprovalRequest) => Promise<ApprovalResult>;

/** What to do when the audit sink cannot take a record. */
export type AuditFailureMode = "deny" | "allow_and_count";

/** How arguments are recorded in the audit log. */
export type AuditArgsMode = "redacted" | "digest_only" | "full";

/** Options of {@link createKernel}. */
export interface KernelOptions {
  /** Policies (paths, YAML text or objects). Ignored when `engine` is given. */
  policies?: readonly PolicySource[];
  /** A pre-built policy engine. */
  engine?: PolicyEngine;
  strategy?: ConflictStrategy;
  /** Milliseconds since the epoch (rate limits, durations, audit time). Default `Date.now`. */
  clock?: () => number;
  rateLimiter?: RateLimiter;
  /** Base directory for relative policy paths. */
  cwd?: string;
  /** Audit sink. Default: an in-memory log (`memoryAudit()`). */
  audit?: AuditSink;
  /** Default `deny`: a call whose record cannot be written is denied (`audit_unavailable`). */
  auditFailure?: AuditFailureMode;
  /** Default `redacted`: secret-looking keys and transform-redacted paths are replaced by `[REDACTED]`. */
  auditArgs?: AuditArgsMode;
  /** Handles `require_approval`. None: such calls are denied (`approval_required`). */
  approvals?: ApprovalHandler;
  /** How long to wait for an approval. Default {@link DEFAULT_APPROVAL_TIMEOUT_MS}. */
  approvalTimeoutMs?: number;
  /**
   * Real paths of `$WORKSPACE`, `$PLUGIN_DIR`, `$PLUGIN_DATA`, `$TMP` for plugin grants
   * (per grant, or one set for all). Without them no `fs` capability matches (fail closed).
   */
  pluginRoots?: PluginRoots | ((grant: PluginGrant) => PluginRoots);
  killSwitch?: KillSwitch;
  quarantine?: Quarantine;
}

/** Per-call options of `enforce`. */
export interface EnforceOptions {
  /** The framework's call id (default: a random UUID). */
  callId?: string;
  /** Receives the `steer` message when the output is not a string it can be appended to. */
  onSteer?: (message: string) => void;
}

/** Counters, for metrics and for honesty about relaxed settings. */
export interface KernelStats {
  decisions: number;
  denied: number;
  /** Records the sink refused while `auditFailure` was `allow_and_count`. */
  auditFailuresAllowed: number;
  /** Calls denied because the sink refused their record. */
  auditFailuresDenied: number;
  internalErrors: number;
}

/** The kernel: decides, enforces, audits. */
export interface Kernel {
  /** Pure and synchronous: guards, then policies. Never throws. */
  decide(request: DecisionRequest, options?: DecideOptions): Decision;
  /**
   * Decides, audits, asks for approval where needed, runs `run` with the (possibly
   * transformed) arguments, checks the output (`post_tool`) and audits the outcome.
   * Throws {@link GovernanceDenied} when the call may not run or its output may not pass;
   * the tool's own errors are audited and rethrown unchanged.
   */
  enforce<T>(request: DecisionRequest, run: (args: unknown) => T | Promise<T>, options?: EnforceOptions): Promise<T>;
  readonly digest: string;
  readonly audit: AuditSink;
  readonly killSwitch: KillSwitch;
  readonly quarantine: Quarantine;
  readonly stats: Readonly<KernelStats>;
  /** Flushes and closes the audit sink. */
  close(): Promise<void>;
}

/** Default time to wait for an approval: 5 minutes. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 300_000;
