/**
 * The audit contract (ARCHITECTURE.md "Audit record"): what the kernel hands a sink, and
 * the hash-chained record the sink stores.
 */
import type { Decision, Stage } from "../policy/types.js";

/** The part of a decision that is recorded. */
export type AuditDecision = Pick<Decision, "allowed" | "action" | "matched_rule" | "policy" | "code"> &
  Partial<Pick<Decision, "reason" | "rate_limited" | "shadow" | "errors" | "severity">>;

/** What happened to the call. */
export interface AuditOutcome {
  /**
   * `denied`: never ran; `pending`: decision recorded, tool about to run; `pending_approval`:
   * a `require_approval` decision recorded before anyone asked for or gave the approval (the
   * governance server's `/v1/decide`): the tool has not run, and a later record under the
   * same `call_id` says whether it was approved (`pending`) or not (`denied`); `permitted`:
   * allowed, and the caller runs the tool itself (the RL guard's episodes); `ok`/`error`:
   * the tool's result.
   */
  status: "denied" | "pending" | "pending_approval" | "permitted" | "ok" | "error";
  duration_ms?: number;
  /** The tool's error, for `error`. */
  error?: { name: string; message: string };
}

/** One entry as the kernel hands it to a sink (before sequencing and hashing). */
export interface AuditEntry {
  /** `decision`: written before anything runs; `outcome`: written after the tool ran, linked by `call_id`. */
  kind: "decision" | "outcome";
  agent: string;
  stage: Stage;
  tool?: string;
  action?: string;
  call_id?: string;
  run_id?: string;
  /** sha256 (hex) of the canonical JSON of the original arguments. */
  args_digest?: string;
  /**
   * Arguments as recorded (secrets redacted). An entry may give them as a `CanonicalArgs`
   * (see `canonicalArgs`), whose text is written as it is; the record holds its value.
   */
  args?: unknown;
  decision: AuditDecision;
  policy_digest: string;
  outcome?: AuditOutcome;
  /** Set when the deployment relaxed audit failure and this record follows lost ones. */
  audit_failures?: number;
  /**
   * Namespaced extensions, covered by the hash like every other field: each key is a
   * namespace (`/^[a-z][a-z0-9_-]{0,31}$/`, e.g. `rl`) holding that extension's JSON data.
   */
  ext?: Record<string, unknown>;
}

/** A stored record: the entry plus sequence, time and the hash chain. */
export interface AuditRecord extends AuditEntry {
  v: 1;
  /** 1-based, gapless. */
  seq: number;
  /** ISO-8601 UTC time of the append. */
  ts: string;
  /** Hash of the previous record, or the log's genesis value for seq 1. */
  prev: string;
  /** sha256 (hex) of the RFC 8785 canonical JSON of the record without `hash`. */
  hash: string;
}

/** Where the chain stands. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/**
 * A sink takes entries synchronously (sequencing and hashing happen in `append`), and
 * persists them on its own schedule (group commit). `append` throws an AgentGovError
 * (`AUDIT_UNAVAILABLE`, `AUDIT_CLOSED`) when it cannot take the entry; the kernel then
 * denies with `audit_unavailable`.
 */
export interface AuditSink {
  append(entry: AuditEntry): AuditRecord;
  /** Resolves when every record appended so far is durable (for durable sinks). */
  flush(): Promise<void>;
  /** Flushes, writes a final checkpoint where the sink signs them, and refuses further appends. */
  close(): Promise<void>;
  /** The last appended record's seq and hash (seq 0 and the genesis value when empty). */
  head(): AuditHead;
}

/**
 * The first line of a log file: the anchor of the chain. `genesis` is the sha256 (hex) of
 * the canonical JSON of `{created, nonce}`, so the creation time is bound to it, and
 * through the signed checkpoints (which sign `genesis`) to the key.
 */
export interface AuditHeader {
  type: "header";
  v: 1;
  /** The `prev` of seq 1: sha256 (hex) of `canonicalJson({created, nonce})`. */
  genesis: string;
  /** ISO-8601 UTC creation time. */
  created: string;
  /** 32 random bytes (hex) that make every log's genesis unique. */
  nonce: string;
  /** sha256 (hex) of the raw 32-byte Ed25519 public key signing the checkpoints; absent when unsigned. */
  key_id?: string;
}

/**
 * A checkpoint line: the chain head `{seq, hash}` at a point, Ed25519-signed when the log
 * has a key. Written every `checkpointEvery` records and, with `final: true`, on close.
 */
export interface AuditCheckpoint {
  type: "checkpoint";
  /** The seq of the last record before the checkpoint (0 for an empty log). */
  seq: number;
  /** That record's hash (the genesis value for seq 0). */
  hash: string;
  /** True for the checkpoint written by `close()`: the log was sealed here. */
  final: boolean;
  /** ISO-8601 UTC time the checkpoint was written. */
  ts: string;
  /** As in the header; present on signed checkpoints. */
  key_id?: string;
  /** base64 Ed25519 signature over `canonicalJson({final, genesis, hash, seq, ts, type: "checkpoint", v: 1})`. */
  sig?: string;
}

/** Any line of a log: header, record or checkpoint. */
export type AuditLogItem = AuditHeader | AuditRecord | AuditCheckpoint;
