/**
 * The SQLite audit sink: the core's hash chain (the same canonical records, hashes and
 * signed checkpoints as the JSONL sink, built by the same `AuditChain`), stored one row per
 * line in a WAL-mode SQLite database with group commit.
 *
 * `append` is synchronous: the chain sequences, serialises and hashes the record on the
 * calling thread, and its row waits in memory. Commits run OFF the event loop: a writer
 * thread (commit-thread.ts) owns the write connection; a batch of waiting rows is sent to
 * it by a timer (`flushIntervalMs`, unref'd), by `flush()`, or by `whenDurable()` at the end
 * of the current turn of the event loop (`setImmediate`, so every caller of one turn shares
 * one batch — the server's durable acknowledgement). The thread commits every batch queued
 * when it wakes in ONE transaction: in WAL mode with `synchronous = NORMAL` (the default)
 * the commit is durable across a process crash once it returns; with `FULL` it also fsyncs
 * the WAL, once for the whole transaction. A waiter resolves when the thread reports the
 * commit covering its records. `close()` adds the final checkpoint, lets the thread commit
 * and close its connection, then closes the main thread's connection (which serves
 * queries; WAL readers see every committed transaction).
 *
 * Failure is closed: if a commit fails (disk full, I/O error, the database locked by
 * another writer past the busy timeout) or the thread dies, the sink is failed for good,
 * every waiter is rejected with `AUDIT_UNAVAILABLE`, and every later `append` throws it
 * (the kernel then denies with `audit_unavailable`); so does `append` once
 * `maxBufferedRecords` records wait (sent or not). On a normal process exit the rows not yet
 * reported committed are written by the main thread's connection (synchronously, skipping
 * rows the thread already stored).
 */
import { hash } from "node:crypto";
import { resolve } from "node:path";
import type { Worker } from "node:worker_threads";
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
import { encodeBatch, startCommitThread, type CommitThreadMessage } from "./commit-thread.js";
import { INSERT_ROW_IF_ABSENT, openAuditDatabase, type LogRow, type LogRowValues, type SqliteSynchronous } from "./schema.js";

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
   * `full`: every group commit also fsyncs the WAL (on the writer thread, not the event loop). See docs/server.md, "SQLite store".
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

/** A batch sent to the writer thread, kept until the thread reports it committed. */
interface Batch {
  id: number;
  rows: LogRow[];
  records: number;
  waiter: Deferred | undefined;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: AgentGovError) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: AgentGovError) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The sink itself. */
export class SqliteSink implements AuditSink {
  readonly path: string;
  readonly header: AuditHeader;
  /** The main thread's connection: schema, header, resume, queries, and the exit path. The writer thread has its own. */
  readonly db: Database.Database;
  readonly #chain: AuditChain;
  readonly #intervalMs: number;
  readonly #maxBuffered: number;
  readonly #insertHere: (rows: readonly LogRow[]) => void;
  /** The writer thread (commit-thread.ts): owns the write connection. Exposed for diagnostics and fault tests. */
  readonly thread: Worker;
  #rows: LogRow[] = [];
  #bufferedRecords = 0;
  #inflight: Batch[] = [];
  #inflightRecords = 0;
  #batchId = 0;
  #pos: number;
  #state: SqliteAuditState = "open";
  #failure: AgentGovError | undefined;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  /** The waiters of the rows not yet sent, shared by every `whenDurable()` caller until they are. */
  #nextCommit: Deferred | undefined;
  #closing: Deferred | undefined;
  /** A send was due while a batch was in flight: send when it is committed. */
  #sendOnCommit = false;
  readonly #lines: LineStore;
  /** The last record's `ts` and its value in ms (records of one millisecond share both). */
  #lastTs = "";
  #lastTsMs = Number.NaN;

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
        this.#rows.push({ pos: ++this.#pos, type: "record", seq: null, line: recordLine(body, digest), agent: null, tool: null, decision: null, code: null, call_id: null, kind: null, ts_ms: null });
        return digest;
      },
      meta: (line) => {
        const value = JSON.parse(line) as { type: "header" | "checkpoint"; seq?: number };
        this.#rows.push({ pos: ++this.#pos, type: value.type, seq: value.seq ?? null, line, agent: null, tool: null, decision: null, code: null, call_id: null, kind: null, ts_ms: null });
      },
    };
    try {
      const insert = db.prepare<LogRowValues>(INSERT_ROW_IF_ABSENT);
      this.#insertHere = db.transaction((rows: readonly LogRow[]) => {
        for (const r of rows) insert.run(r.pos, r.type, r.seq, r.line, r.agent, r.tool, r.decision, r.code, r.call_id, r.kind, r.ts_ms);
      });
      const resumed = resume(db, this.path, signer?.keyId);
      this.#pos = resumed?.pos ?? 0;
      if (resumed === undefined) {
        this.header = createHeader(now(), signer?.keyId);
        this.#chain = new AuditChain({ genesis: this.header.genesis, seq: 0, head: this.header.genesis }, now, signer, checkpointEvery);
        this.#lines.meta(headerLine(this.header));
        this.#insertHere(this.#rows);
        this.#rows = [];
      } else {
        this.header = resumed.header;
        this.#chain = new AuditChain({ genesis: resumed.header.genesis, seq: resumed.seq, head: resumed.head }, now, signer, checkpointEvery);
      }
      this.thread = startCommitThread({ path: this.path, synchronous: options.synchronous ?? "normal", busyTimeoutMs: busy });
    } catch (error) {
      db.close();
      if (error instanceof AgentGovError) throw error;
      throw new AgentGovError("AUDIT_IO", `cannot read audit database ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    this.thread.unref();
    this.thread.on("message", this.#onMessage);
    this.thread.on("error", (error) => {
      this.#fail(error);
    });
    this.thread.on("exit", this.#onExit);
    openPaths.add(this.path);
    if (exitCommits.size === 0) process.on("exit", onExit);
    exitCommits.add(this.#exitCommit);
  }

  append(entry: AuditEntry): AuditRecord {
    if (this.#state !== "open") {
      if (this.#failure !== undefined) throw new AgentGovError("AUDIT_UNAVAILABLE", this.#failure.message, { cause: this.#failure.cause });
      throw new AgentGovError("AUDIT_CLOSED", `audit database ${this.path} is closed`);
    }
    if (this.#bufferedRecords + this.#inflightRecords >= this.#maxBuffered) {
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
      if (record.ts !== this.#lastTs) {
        this.#lastTs = record.ts;
        this.#lastTsMs = Date.parse(record.ts);
      }
      row.ts_ms = this.#lastTsMs;
    }
    this.#bufferedRecords++;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#onTimer, this.#intervalMs);
      this.#timer.unref();
    }
    return record;
  }

  /** Sends the waiting rows to the writer thread; resolves once everything appended so far is committed. */
  flush(): Promise<void> {
    this.#send();
    return this.#lastCommit();
  }

  /**
   * Resolves once every record appended so far is committed (durable as `synchronous`
   * says; `close()` and `flush()` commit them too); rejects with `AUDIT_UNAVAILABLE` when
   * that commit fails or the sink is failed. The rows are sent at the end of this turn of
   * the event loop, one batch for every caller of the turn.
   */
  whenDurable(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(unavailable(this.#failure));
    if (this.#rows.length === 0) return this.#lastCommit();
    this.#nextCommit ??= deferred();
    this.#immediate ??= setImmediate(this.#onImmediate);
    return this.#nextCommit.promise;
  }

  close(): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#closing !== undefined) return this.#closing.promise;
    this.#state = "closing";
    this.#closing = deferred();
    this.#lines.meta(this.#chain.checkpoint(true));
    this.#send();
    this.thread.ref();
    this.thread.postMessage({ type: "close" });
    return this.#closing.promise;
  }

  head(): AuditHead {
    return this.#chain.head();
  }

  /** `open`, `closing`, `closed`, or `failed` (a commit failed; appends throw). */
  state(): SqliteAuditState {
    return this.#state;
  }

  /** Records appended but not yet committed (waiting, or sent to the writer thread). */
  lag(): number {
    return this.#bufferedRecords + this.#inflightRecords;
  }

  /** Commits every waiting row and waits for it (queries and verification first). Never rejects: a failure fails the sink. */
  async commit(): Promise<void> {
    await this.flush().catch(() => undefined);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#sendUnlessBusy();
  };

  readonly #onImmediate = (): void => {
    this.#immediate = undefined;
    this.#sendUnlessBusy();
  };

  /**
   * Group commit: while a batch is in flight, the rows of later turns wait and go together
   * once it is committed (the batch grows with the commit's latency instead of the thread
   * committing a tiny transaction per turn).
   */
  #sendUnlessBusy(): void {
    if (this.#inflight.length === 0) this.#send();
    else this.#sendOnCommit = true;
  }

  /** The promise of the last batch sent (resolved when nothing is in flight). */
  #lastCommit(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(unavailable(this.#failure));
    const last = this.#inflight.at(-1);
    if (last === undefined) return Promise.resolve();
    last.waiter ??= deferred();
    return last.waiter.promise;
  }

  /** Sends the waiting rows to the writer thread as one batch, with the waiters of this turn. */
  #send(): void {
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
    if (this.#failure !== undefined) {
      waiting?.reject(unavailable(this.#failure));
      return;
    }
    if (this.#rows.length === 0) {
      if (waiting !== undefined) this.#lastCommit().then(waiting.resolve, waiting.reject);
      return;
    }
    const batch: Batch = { id: ++this.#batchId, rows: this.#rows, records: this.#bufferedRecords, waiter: waiting };
    this.#rows = [];
    this.#bufferedRecords = 0;
    if (this.#inflight.length === 0) this.thread.ref();
    this.#inflight.push(batch);
    this.#inflightRecords += batch.records;
    this.thread.postMessage({ type: "batch", batch: batch.id, text: encodeBatch(batch.rows) });
  }

  readonly #onMessage = (message: CommitThreadMessage): void => {
    if (message.type === "committed") {
      while (this.#inflight.length > 0 && (this.#inflight[0]?.id ?? Infinity) <= message.batch) {
        const done = this.#inflight.shift();
        if (done === undefined) break;
        this.#inflightRecords -= done.records;
        done.waiter?.resolve();
      }
      if (this.#inflight.length === 0 && this.#sendOnCommit) {
        this.#sendOnCommit = false;
        this.#send();
      }
      if (this.#inflight.length === 0 && this.#state === "open") this.thread.unref();
    } else if (message.type === "failed") {
      this.#fail(Object.assign(new Error(message.message), message.code === undefined ? {} : { code: message.code }));
    } else if (this.#state === "closing" && this.#inflight.length === 0 && this.#rows.length === 0) {
      // The thread committed everything and closed its connection; closing ours last checkpoints the WAL into the database.
      this.#release();
      this.#state = "closed";
      this.#closing?.resolve();
    } else {
      this.#fail(new Error("the writer thread closed with rows uncommitted"));
    }
  };

  readonly #onExit = (): void => {
    if (this.#failure !== undefined || this.#state === "closed") return;
    this.#fail(new Error("the writer thread ended"));
  };

  /** On a normal process exit: writes the rows not yet reported committed, here and now. */
  readonly #exitCommit = (): void => {
    if (this.#state !== "open" && this.#state !== "closing") return;
    const rows = this.#inflight.flatMap((b) => b.rows).concat(this.#rows);
    if (rows.length === 0 || !this.db.open) return;
    try {
      this.#insertHere(rows);
    } catch {
      // the process is exiting; nothing more can be done
    }
  };

  #fail(error: Error & { code?: string }): void {
    if (this.#failure !== undefined) return;
    const failure = new AgentGovError("AUDIT_UNAVAILABLE", `audit database ${this.path}: commit failed (${error.code ?? error.message}); the sink is failed and refuses appends`, { cause: error });
    this.#failure = failure;
    this.#state = "failed";
    const waiters = [...this.#inflight.map((b) => b.waiter), this.#nextCommit];
    this.#rows = [];
    this.#bufferedRecords = 0;
    this.#inflight = [];
    this.#inflightRecords = 0;
    this.#nextCommit = undefined;
    for (const waiter of waiters) waiter?.reject(unavailable(failure));
    this.#closing?.reject(failure);
    this.thread.terminate().catch(() => undefined);
    this.#release();
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

/** A fresh `AUDIT_UNAVAILABLE` error carrying the sink's failure. */
function unavailable(failure: AgentGovError): AgentGovError {
  return new AgentGovError("AUDIT_UNAVAILABLE", failure.message, { cause: failure.cause });
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
