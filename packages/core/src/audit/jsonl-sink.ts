/**
 * The durable audit sink: a JSONL file written with group commit.
 *
 * `append` is synchronous: it sequences and serialises the record, encodes its line into
 * the in-memory batch (pooled buffers, see batch.ts) and hashes those bytes. A timer (`flushIntervalMs`, unref'd) writes the batch with
 * one `write` and one `fdatasync` on the libuv thread pool, so the event loop never waits
 * for the disk; lines appended meanwhile form the next batch, written as soon as the
 * previous one is durable. `flush()` resolves when everything appended before it is
 * durable; `close()` adds the final checkpoint, flushes and closes the file.
 *
 * Failure is closed: if a write or fdatasync fails, the sink is failed for good, every
 * later `append` throws `AUDIT_UNAVAILABLE` (the kernel then denies with
 * `audit_unavailable`) and `flush()`/`close()` reject. So does `append` when
 * `maxBufferedRecords` records are waiting for the disk.
 *
 * One writer per file: a second sink on the same path in this process is refused; two
 * processes appending to one file would fork the chain (this is not detected at open).
 */
import { closeSync, fdatasync, fstatSync, mkdirSync, openSync, write } from "node:fs";
import { dirname, resolve } from "node:path";
import { AgentGovError } from "../errors.js";
import { Batch } from "./batch.js";
import { AuditChain } from "./chain.js";
import { createHeader, headerLine } from "./header.js";
import { nonNegativeInteger, resolveSinkOptions, type AuditSinkOptions } from "./options.js";
import { resumeLog } from "./resume.js";
import type { AuditEntry, AuditHead, AuditHeader, AuditRecord, AuditSink } from "./types.js";

/** Default group-commit interval: the longest a record waits before its batch is written. */
export const DEFAULT_FLUSH_INTERVAL_MS = 5;
/** Default bound on records appended but not yet durable; past it `append` throws `AUDIT_UNAVAILABLE`. */
export const DEFAULT_MAX_BUFFERED_RECORDS = 100_000;

/** Options of {@link jsonlAudit}. */
export interface JsonlAuditOptions extends AuditSinkOptions {
  /** Group-commit interval in ms (default {@link DEFAULT_FLUSH_INTERVAL_MS}). */
  flushIntervalMs?: number;
  /** `fdatasync` after every batch (default true). `false` leaves durability to the OS. */
  fsync?: boolean;
  /** Records that may wait for the disk before `append` fails closed (default {@link DEFAULT_MAX_BUFFERED_RECORDS}). */
  maxBufferedRecords?: number;
}

/** Lifecycle of a JSONL sink. */
export type JsonlAuditState = "open" | "closing" | "closed" | "failed";

/** A durable, group-committed JSONL audit sink. */
export interface JsonlAuditSink extends AuditSink {
  /** Absolute path of the log file. */
  readonly path: string;
  /** The log's header (read back when an existing log was continued). */
  readonly header: AuditHeader;
  /** `open`, `closing` (after `close()`), `closed`, or `failed` (a write failed; appends throw). */
  state(): JsonlAuditState;
}

/** Paths open in this process → a function that starts writing their pending lines (for `beforeExit`). */
const openSinks = new Map<string, () => void>();
const onBeforeExit = (): void => {
  for (const kick of openSinks.values()) kick();
};

function register(path: string, kick: () => void): void {
  if (openSinks.size === 0) process.on("beforeExit", onBeforeExit);
  openSinks.set(path, kick);
}

function unregister(path: string): void {
  if (openSinks.delete(path) && openSinks.size === 0) process.off("beforeExit", onBeforeExit);
}

/**
 * Opens (creating it and its directory if needed) the JSONL audit log at `path`. An
 * existing log is continued: its header and last record are read back and the chain goes
 * on from there.
 * @throws AgentGovError `AUDIT_IO` when the file cannot be opened, is not a valid log, is
 * damaged at its end, belongs to another signing key, or is already open in this process;
 * `INVALID_OPTIONS` for bad options.
 */
export function jsonlAudit(path: string, options: JsonlAuditOptions = {}): JsonlAuditSink {
  return new JsonlSink(resolve(path), options);
}

interface Waiter {
  lines: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

class JsonlSink implements JsonlAuditSink {
  readonly path: string;
  readonly header: AuditHeader;
  readonly #chain: AuditChain;
  readonly #fd: number;
  readonly #intervalMs: number;
  readonly #fsync: boolean;
  readonly #maxBuffered: number;

  #state: JsonlAuditState = "open";
  #failure: AgentGovError | undefined;
  #closing: Promise<void> | undefined;
  /** Lines waiting for the next write, already encoded. */
  readonly #batch = new Batch();
  #writingRecords = 0;
  #writing = false;
  #timer: NodeJS.Timeout | undefined;
  /** Lines ever enqueued / made durable (header and checkpoints included). */
  #enqueued = 0;
  #durable = 0;
  #waiters: Waiter[] = [];

  constructor(path: string, options: JsonlAuditOptions) {
    const { now, signer, checkpointEvery } = resolveSinkOptions(options);
    this.#intervalMs = nonNegativeInteger(options.flushIntervalMs, DEFAULT_FLUSH_INTERVAL_MS, "flushIntervalMs");
    this.#maxBuffered = nonNegativeInteger(options.maxBufferedRecords, DEFAULT_MAX_BUFFERED_RECORDS, "maxBufferedRecords");
    if (this.#maxBuffered === 0) throw new AgentGovError("INVALID_OPTIONS", "audit maxBufferedRecords must be at least 1");
    this.#fsync = options.fsync ?? true;
    this.path = path;
    if (openSinks.has(path)) throw new AgentGovError("AUDIT_IO", `audit log ${path} is already open in this process`);

    let fd: number;
    try {
      mkdirSync(dirname(path), { recursive: true });
      fd = openSync(path, "a+");
    } catch (error) {
      throw new AgentGovError("AUDIT_IO", `cannot open audit log ${path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const stat = fstatSync(fd);
      if (stat.isFile() && stat.size > 0) {
        const resumed = resumeLog(fd, stat.size, path, signer);
        this.header = resumed.header;
        this.#chain = new AuditChain({ genesis: resumed.header.genesis, seq: resumed.seq, head: resumed.head }, now, signer, checkpointEvery);
      } else {
        this.header = createHeader(now(), signer?.keyId);
        this.#chain = new AuditChain({ genesis: this.header.genesis, seq: 0, head: this.header.genesis }, now, signer, checkpointEvery);
        this.#meta(headerLine(this.header));
      }
    } catch (error) {
      closeSync(fd);
      if (error instanceof AgentGovError) throw error;
      throw new AgentGovError("AUDIT_IO", `cannot read audit log ${path}: ${(error as Error).message}`, { cause: error });
    }
    this.#fd = fd;
    register(path, this.#kick);
    if (this.#batch.lines > 0) this.#schedule();
  }

  append(entry: AuditEntry): AuditRecord {
    if (this.#state !== "open") {
      if (this.#failure !== undefined) {
        throw new AgentGovError("AUDIT_UNAVAILABLE", this.#failure.message, { cause: this.#failure.cause });
      }
      throw new AgentGovError("AUDIT_CLOSED", `audit log ${this.path} is closed`);
    }
    if (this.#batch.records + this.#writingRecords >= this.#maxBuffered) {
      throw new AgentGovError(
        "AUDIT_UNAVAILABLE",
        `audit log ${this.path}: ${this.#maxBuffered} records are waiting for the disk (maxBufferedRecords); refusing more`,
      );
    }
    const before = this.#batch.lines;
    const record = this.#chain.append(entry, this.#batch);
    this.#enqueued += this.#batch.lines - before;
    if (this.#timer === undefined && !this.#writing) this.#schedule();
    return record;
  }

  flush(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const lines = this.#enqueued;
    if (this.#durable >= lines) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ lines, resolve, reject });
      if (!this.#writing) this.#write();
    });
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    if (this.#failure !== undefined) {
      this.#closing = Promise.reject(this.#failure);
      return this.#closing;
    }
    this.#state = "closing";
    this.#meta(this.#chain.checkpoint(true));
    this.#closing = this.flush().then(() => {
      this.#state = "closed";
      unregister(this.path);
      closeSync(this.#fd);
    });
    return this.#closing;
  }

  head(): AuditHead {
    return this.#chain.head();
  }

  state(): JsonlAuditState {
    return this.#state;
  }

  #meta(line: string): void {
    this.#batch.meta(line);
    this.#enqueued++;
  }

  #schedule(): void {
    this.#timer = setTimeout(this.#onTimer, this.#intervalMs);
    this.#timer.unref();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#write();
  };

  /** Starts writing the pending lines if nothing is being written (used at `beforeExit`). */
  readonly #kick = (): void => {
    if (!this.#writing && this.#batch.lines > 0) this.#write();
  };

  /** Writes the waiting lines as one batch: its chunks in order, then one fdatasync, then the next batch if any. */
  #write(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#writing || this.#batch.lines === 0 || this.#failure !== undefined) return;
    const { chunks, lines, records } = this.#batch.take();
    this.#writingRecords = records;
    this.#writing = true;
    const done = (error: NodeJS.ErrnoException | null): void => {
      if (error !== null) {
        this.#fail(error);
        return;
      }
      this.#writing = false;
      this.#writingRecords = 0;
      this.#durable += lines;
      this.#batch.recycle(chunks);
      this.#settle();
      if (this.#batch.lines > 0) this.#write();
    };
    let next = 0;
    const writeNext = (error: NodeJS.ErrnoException | null): void => {
      try {
        const chunk = chunks[next++];
        if (error !== null) done(error);
        else if (chunk !== undefined) writeAll(this.#fd, chunk, 0, writeNext);
        else if (this.#fsync) fdatasync(this.#fd, done);
        else done(null);
      } catch (thrown) {
        // fs argument errors (e.g. a closed descriptor) are thrown synchronously: fail closed.
        this.#fail(thrown as NodeJS.ErrnoException);
      }
    };
    writeNext(null);
  }

  #settle(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.lines <= this.#durable) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }

  #fail(error: NodeJS.ErrnoException): void {
    if (this.#failure !== undefined) return;
    this.#failure = new AgentGovError("AUDIT_UNAVAILABLE", `audit log ${this.path}: write failed (${error.code ?? error.message}); the sink is failed and refuses appends`, { cause: error });
    this.#state = "failed";
    this.#writing = false;
    this.#batch.clear();
    this.#writingRecords = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#waiters) waiter.reject(this.#failure);
    this.#waiters = [];
    unregister(this.path);
    try {
      closeSync(this.#fd);
    } catch {
      // the descriptor is already unusable; nothing more to release
    }
  }
}

/** Writes all of `data` from `offset`, continuing after partial writes. */
function writeAll(fd: number, data: Buffer, offset: number, callback: (error: NodeJS.ErrnoException | null) => void): void {
  write(fd, data, offset, data.length - offset, null, (error, written) => {
    if (error !== null) callback(error);
    else if (offset + written < data.length) writeAll(fd, data, offset + written, callback);
    else callback(null);
  });
}
