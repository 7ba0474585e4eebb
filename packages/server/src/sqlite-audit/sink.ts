/**
 * The SQLite audit sink: the core's hash chain (the same canonical records, hashes and
 * signed checkpoints as the JSONL sink, built by the same `AuditChain`), stored one row per
 * line in a WAL-mode SQLite database with group commit.
 *
 * `append` is synchronous: the chain sequences, serialises and hashes the record, and its
 * row waits in memory. A timer (`flushIntervalMs`, unref'd) commits every waiting row in
 * ONE transaction: in WAL mode with `synchronous = NORMAL` (the default) the commit is
 * durable across a process crash once it returns; with `FULL` it also fsyncs the WAL, once
 * for the whole batch. `flush()` commits now. `whenDurable()` resolves once every record
 * appended so far is committed: it asks for the commit at the end of the current turn of
 * the event loop (`setImmediate`), so every caller of one turn shares one transaction
 * (the server's durable acknowledgement). `close()` adds the final checkpoint, commits
 * and closes the database.
 *
 * Failure is closed: if a commit fails (disk full, I/O error, the database locked by
 * another writer past the busy timeout, the connection closed), the sink is failed for
 * good and every later `append` throws `AUDIT_UNAVAILABLE` (the kernel then denies with
 * `audit_unavailable`); so does `append` once `maxBufferedRecords` rows wait.
 */
import { hash } from "node:crypto";
import { resolve } from "node:path";
import type Database from "better-sqlite3";
import { AgentGovError, type AuditEntry, type AuditRecord } from "@agentgov/core";
import {
  AuditChain,
  checkHeader,
  createHeader,
  headerLine,
  readRecordLineFast,
  recordLine,
  resolveSinkOptions,
  type AuditHead,
  type AuditHeader,
  type AuditSink,
  type AuditSinkOptions,
  type LineStore,
  type RecordLink,
} from "@agentgov/core/audit";
import { INSERT_ROW, openAuditDatabase, type LogRow, type LogRowValues, type SqliteSynchronous } from "./schema.js";

/** Default group-commit interval (ms). */
export const DEFAULT_SQLITE_FLUSH_INTERVAL_MS = 5;
/** Default bound on rows waiting for their commit; past it `append` throws `AUDIT_UNAVAILABLE`. */
export const DEFAULT_SQLITE_MAX_BUFFERED_RECORDS = 100_000;
/** Default time a commit waits for a lock held by another connection before it fails. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 1000;

/** Options of {@link openSqliteSink}. */
export interface SqliteAuditOptions extends AuditSinkOptions {
  /** Group-commit interval in ms (default {@link DEFAULT_SQLITE_FLUSH_INTERVAL_MS}). */
  flushIntervalMs?: number;
  /**
   * `normal` (default): a commit survives a crash of the process (SIGKILL, OOM) but the last
   * commits may roll back on a power loss or OS crash (the database stays consistent);
   * `full`: every group commit also fsyncs the WAL — on the event loop, since better-sqlite3
   * is synchronous. See docs/server.md, "SQLite store".
   */
  synchronous?: SqliteSynchronous;
  /** Records that may wait for their commit before `append` fails closed. */
  maxBufferedRecords?: number;
  /** How long a commit waits for another connection's lock (default {@link DEFAULT_SQLITE_BUSY_TIMEOUT_MS}). */
  busyTimeoutMs?: number;
}

/** Lifecycle of the sink. */
export type SqliteAuditState = "open" | "closing" | "closed" | "failed";

/** Paths open in this process: one writer per database. */
const openPaths = new Set<string>();
/** Commits of open sinks, run synchronously when the process exits normally. */
const exitCommits = new Set<() => void>();
const onExit = (): void => {
  for (const commit of exitCommits) commit();
};

/** The sink itself. */
export class SqliteSink implements AuditSink {
  readonly path: string;
  readonly header: AuditHeader;
  /** The writer connection (queries use it too). */
  readonly db: Database.Database;
  readonly #chain: AuditChain;
  readonly #intervalMs: number;
  readonly #maxBuffered: number;
  readonly #insert: (rows: readonly LogRow[]) => void;
  #rows: LogRow[] = [];
  #bufferedRecords = 0;
  #pos: number;
  #state: SqliteAuditState = "open";
  #failure: AgentGovError | undefined;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  /** The promise of the next commit, shared by every `whenDurable()` caller until it runs. */
  #nextCommit: { promise: Promise<void>; resolve: () => void; reject: (error: AgentGovError) => void } | undefined;
  readonly #lines: LineStore;

  constructor(path: string, options: SqliteAuditOptions) {
    const { now, signer, checkpointEvery } = resolveSinkOptions(options);
    this.#intervalMs = nonNegative(options.flushIntervalMs, DEFAULT_SQLITE_FLUSH_INTERVAL_MS, "flushIntervalMs");
    this.#maxBuffered = nonNegative(options.maxBufferedRecords, DEFAULT_SQLITE_MAX_BUFFERED_RECORDS, "maxBufferedRecords");
    if (this.#maxBuffered === 0) throw new AgentGovError("INVALID_OPTIONS", "audit maxBufferedRecords must be at least 1");
    const busy = nonNegative(options.busyTimeoutMs, DEFAULT_SQLITE_BUSY_TIMEOUT_MS, "busyTimeoutMs");
    const synchronous: unknown = options.synchronous;
    if (synchronous !== undefined && synchronous !== "full" && synchronous !== "normal") {
      throw new AgentGovError("INVALID_OPTIONS", `audit synchronous must be "full" or "normal", got ${String(options.synchronous)}`);
    }
    this.path = resolve(path);
    if (openPaths.has(this.path)) throw new AgentGovError("AUDIT_IO", `audit database ${this.path} is already open in this process`);
    let db: Database.Database;
    try {
      db = openAuditDatabase(this.path, options.synchronous === undefined ? {} : { synchronous: options.synchronous });
      db.pragma(`busy_timeout = ${busy}`);
    } catch (error) {
      throw new AgentGovError("AUDIT_IO", `cannot open audit database ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    this.db = db;
    this.#lines = {
      record: (body) => {
        const digest = hash("sha256", body, "hex");
        this.#push({ pos: ++this.#pos, type: "record", seq: null, line: recordLine(body, digest), agent: null, tool: null, decision: null, code: null, call_id: null, kind: null, ts_ms: null });
        return digest;
      },
      meta: (line) => {
        const value = JSON.parse(line) as { type: "header" | "checkpoint"; seq?: number };
        this.#push({ pos: ++this.#pos, type: value.type, seq: value.seq ?? null, line, agent: null, tool: null, decision: null, code: null, call_id: null, kind: null, ts_ms: null });
      },
    };
    try {
      const insert = db.prepare<LogRowValues>(INSERT_ROW);
      this.#insert = db.transaction((rows: readonly LogRow[]) => {
        for (const r of rows) insert.run(r.pos, r.type, r.seq, r.line, r.agent, r.tool, r.decision, r.code, r.call_id, r.kind, r.ts_ms);
      });
      const resumed = resume(db, this.path, signer?.keyId);
      this.#pos = resumed?.pos ?? 0;
      if (resumed === undefined) {
        this.header = createHeader(now(), signer?.keyId);
        this.#chain = new AuditChain({ genesis: this.header.genesis, seq: 0, head: this.header.genesis }, now, signer, checkpointEvery);
        this.#lines.meta(headerLine(this.header));
        const failure = this.#commit();
        if (failure !== undefined) throw failure;
      } else {
        this.header = resumed.header;
        this.#chain = new AuditChain({ genesis: resumed.header.genesis, seq: resumed.seq, head: resumed.head }, now, signer, checkpointEvery);
      }
    } catch (error) {
      db.close();
      if (error instanceof AgentGovError) throw error;
      throw new AgentGovError("AUDIT_IO", `cannot read audit database ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    openPaths.add(this.path);
    if (exitCommits.size === 0) process.on("exit", onExit);
    exitCommits.add(this.#exitCommit);
  }

  append(entry: AuditEntry): AuditRecord {
    if (this.#state !== "open") {
      if (this.#failure !== undefined) throw new AgentGovError("AUDIT_UNAVAILABLE", this.#failure.message, { cause: this.#failure.cause });
      throw new AgentGovError("AUDIT_CLOSED", `audit database ${this.path} is closed`);
    }
    if (this.#bufferedRecords >= this.#maxBuffered) {
      throw new AgentGovError("AUDIT_UNAVAILABLE", `audit database ${this.path}: ${this.#maxBuffered} records are waiting for their commit (maxBufferedRecords); refusing more`);
    }
    const at = this.#rows.length;
    const record = this.#chain.append(entry, this.#lines);
    const row = this.#rows[at];
    if (row !== undefined) {
      row.seq = record.seq;
      row.agent = record.agent;
      row.tool = record.tool ?? null;
      row.decision = typeof record.decision.action === "string" ? record.decision.action : null;
      row.code = typeof record.decision.code === "string" ? record.decision.code : null;
      row.call_id = record.call_id ?? null;
      row.kind = record.kind;
      row.ts_ms = Date.parse(record.ts);
    }
    this.#bufferedRecords++;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#onTimer, this.#intervalMs);
      this.#timer.unref();
    }
    return record;
  }

  flush(): Promise<void> {
    const failure = this.#commit();
    return failure === undefined ? Promise.resolve() : Promise.reject(failure);
  }

  /**
   * Resolves once every record appended so far is committed (durable as `synchronous`
   * says; `close()` and `flush()` commit them too); rejects with `AUDIT_UNAVAILABLE` when
   * that commit fails or the sink is failed. The commit runs at the end of this turn of the
   * event loop, one transaction for every caller of the turn.
   */
  whenDurable(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(new AgentGovError("AUDIT_UNAVAILABLE", this.#failure.message, { cause: this.#failure.cause }));
    if (this.#rows.length === 0) return Promise.resolve();
    if (this.#nextCommit === undefined) {
      let resolve!: () => void;
      let reject!: (error: AgentGovError) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#nextCommit = { promise, resolve, reject };
    }
    this.#immediate ??= setImmediate(this.#onImmediate);
    return this.#nextCommit.promise;
  }

  close(): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    this.#state = "closing";
    this.#lines.meta(this.#chain.checkpoint(true));
    const failure = this.#commit();
    this.#release();
    if (failure !== undefined) return Promise.reject(failure);
    this.#state = "closed";
    return Promise.resolve();
  }

  head(): AuditHead {
    return this.#chain.head();
  }

  /** `open`, `closing`, `closed`, or `failed` (a commit failed; appends throw). */
  state(): SqliteAuditState {
    return this.#state;
  }

  /** Records appended but not yet committed. */
  lag(): number {
    return this.#bufferedRecords;
  }

  /** Commits every waiting row (used by queries and verification first). Never throws: a failure fails the sink. */
  commit(): void {
    this.#commit();
  }

  #push(row: LogRow): void {
    this.#rows.push(row);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#commit();
  };

  readonly #onImmediate = (): void => {
    this.#immediate = undefined;
    this.#commit();
  };

  readonly #exitCommit = (): void => {
    if (this.#state === "open" || this.#state === "closing") this.#commit();
  };

  /** Commits the waiting rows; returns the sink's failure, if it is failed. */
  #commit(): AgentGovError | undefined {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
    const waiting = this.#nextCommit;
    this.#nextCommit = undefined;
    if (this.#rows.length === 0 || this.#failure !== undefined) {
      settle(waiting, this.#failure);
      return this.#failure;
    }
    const rows = this.#rows;
    this.#rows = [];
    let failure: AgentGovError | undefined;
    try {
      this.#insert(rows);
      this.#bufferedRecords = 0;
    } catch (error) {
      failure = this.#fail(error as Error & { code?: string });
    }
    settle(waiting, failure);
    return failure;
  }

  #fail(error: Error & { code?: string }): AgentGovError {
    const failure = new AgentGovError("AUDIT_UNAVAILABLE", `audit database ${this.path}: commit failed (${error.code ?? error.message}); the sink is failed and refuses appends`, { cause: error });
    this.#failure = failure;
    this.#state = "failed";
    this.#rows = [];
    this.#bufferedRecords = 0;
    this.#release();
    return failure;
  }

  #release(): void {
    openPaths.delete(this.path);
    exitCommits.delete(this.#exitCommit);
    if (exitCommits.size === 0) process.off("exit", onExit);
    try {
      if (this.db.open) this.db.close();
    } catch {
      // the connection is already unusable; nothing more to release
    }
  }
}

/** Resolves the waiters of a commit, or rejects them with the sink's failure. */
function settle(waiting: { resolve: () => void; reject: (error: AgentGovError) => void } | undefined, failure: AgentGovError | undefined): void {
  if (waiting === undefined) return;
  if (failure === undefined) waiting.resolve();
  else waiting.reject(new AgentGovError("AUDIT_UNAVAILABLE", failure.message, { cause: failure.cause }));
}

interface Resumed {
  header: AuditHeader;
  seq: number;
  head: string;
  pos: number;
}

/** Reads back an existing log: its header, its last record (whose hash must check out) and its last position. */
function resume(db: Database.Database, path: string, keyId: string | undefined): Resumed | undefined {
  const last = db.prepare<[], { pos: number }>("SELECT pos FROM audit_log ORDER BY pos DESC LIMIT 1").get();
  if (last === undefined) return undefined;
  const corrupt = (why: string): AgentGovError => new AgentGovError("AUDIT_IO", `audit database ${path} cannot be continued: ${why}`);
  const headerRow = db.prepare<[], { line: string; type: string }>("SELECT line, type FROM audit_log WHERE pos = 1").get();
  if (headerRow?.type !== "header") throw corrupt("it has no header row at pos 1");
  let parsed: unknown;
  try {
    parsed = JSON.parse(headerRow.line);
  } catch {
    throw corrupt("its header row is not JSON");
  }
  const header = checkHeader(parsed);
  if (typeof header === "string") throw corrupt(`bad header: ${header}`);
  if (keyId !== undefined && header.key_id !== keyId) throw corrupt(header.key_id === undefined ? "the log is unsigned, but a signingKey was given" : `the log is signed by key ${header.key_id.slice(0, 16)}…, not by the given signingKey`);
  if (keyId === undefined && header.key_id !== undefined) throw corrupt(`the log is signed by key ${header.key_id.slice(0, 16)}… but no signingKey was given`);
  const lastRecord = db.prepare<[], { seq: number; line: string }>("SELECT seq, line FROM audit_log WHERE type = 'record' ORDER BY pos DESC LIMIT 1").get();
  if (lastRecord === undefined) return { header, seq: 0, head: header.genesis, pos: last.pos };
  const link: RecordLink = { seq: 0, prev: "", hash: "" };
  if (!readRecordLineFast(lastRecord.line, link) || link.seq !== lastRecord.seq) throw corrupt(`its last record (seq ${lastRecord.seq}) is damaged: its line does not match its hash`);
  return { header, seq: link.seq, head: link.hash, pos: last.pos };
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new AgentGovError("INVALID_OPTIONS", `audit ${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}
