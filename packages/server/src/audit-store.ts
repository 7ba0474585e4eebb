/**
 * The server's audit store: an audit sink (what the kernel appends to) plus what the HTTP
 * API needs from it — paged queries, verification, state and lag. The JSONL store is the
 * first implementation; the SQLite store implements the same interface.
 */
import type { AuditRecord, AuditSink } from "@agentgov/core";
import type { AuditVerifyResult } from "@agentgov/core/audit";

/** Filters and paging of an audit query. */
export interface AuditQuery {
  agent?: string;
  tool?: string;
  /** The decision's action (`allow`, `deny`, `require_approval`, …). */
  decision?: string;
  code?: string;
  callId?: string;
  kind?: "decision" | "outcome";
  /** Inclusive lower bound on `ts`, ms since the epoch. */
  since?: number;
  /** Exclusive upper bound on `ts`, ms since the epoch. */
  until?: number;
  /** Records per page. */
  limit: number;
  /** Opaque cursor from a previous page (`next_cursor`); absent = from the start. */
  cursor?: string;
}

/** One page of records, oldest first. */
export interface AuditPage {
  records: AuditRecord[];
  /** Pass back to continue after this page (also at the end, to follow new records). */
  next_cursor: string;
  /** True when the log was not scanned to its end. */
  has_more: boolean;
}

/** Lifecycle of a store. */
export type AuditStoreState = "open" | "closing" | "closed" | "failed";

/** An audit sink with queries, verification, state and lag. */
export interface AuditStore {
  readonly sink: AuditSink;
  /** Where the log lives (a file path, a database), for `/healthz`. */
  readonly location: string;
  /** Records matching `query`, one page. Throws `INVALID_CURSOR` for a cursor it did not issue. */
  query(query: AuditQuery): Promise<AuditPage>;
  /** Verifies the whole log as it stands (a live log has no final checkpoint yet). */
  verify(): Promise<AuditVerifyResult>;
  state(): AuditStoreState;
  /** Records appended but not yet known to be durable. */
  lag(): number;
  /**
   * Resolves once every record appended so far is durable; rejects when that fails. Stores
   * that group commits share one commit among concurrent callers. Absent: `sink.flush()`.
   */
  whenDurable?(): Promise<void>;
  /** Flushes and seals the log. */
  close(): Promise<void>;
}
