/**
 * The SQLite audit store's writer thread, seen from the main thread: `commit-worker.cjs` (a
 * plain CommonJS file beside this module, in src/ and in dist/) owns the write connection
 * and commits the batches of rows it is sent, each batch numbered; it answers `committed`
 * with the last batch number its transaction covered, `failed` once (then ends), and
 * `closed` after a `close` request sealed its queue. The main thread keeps the chain, the
 * canonical lines and the hashes; the thread only inserts them.
 */
import { Worker } from "node:worker_threads";
import { INSERT_ROW, type LogRow, type SqliteSynchronous } from "./schema.js";

/** The worker's file: `commit-worker.cjs` beside this module (in src/ and in dist/). */
export const COMMIT_WORKER_URL = new URL("./commit-worker.cjs", import.meta.url);

/** Values per row in a batch (the positional parameters of `INSERT_ROW`). */
const COLUMNS = 11;

/** A message from the writer thread. */
export type CommitThreadMessage = { type: "committed"; batch: number } | { type: "failed"; code?: string; message: string } | { type: "closed" };

/** Settings of {@link startCommitThread}. */
export interface CommitThreadOptions {
  path: string;
  synchronous: SqliteSynchronous;
  busyTimeoutMs: number;
}

/** Starts the writer thread of the database at `path` (which must exist, schema in place). */
export function startCommitThread(options: CommitThreadOptions): Worker {
  return new Worker(COMMIT_WORKER_URL, {
    workerData: { path: options.path, synchronous: options.synchronous, busyTimeoutMs: options.busyTimeoutMs, insertSql: INSERT_ROW, columns: COLUMNS },
    stdout: false,
    stderr: false,
  });
}

/**
 * Encodes rows as one batch text (column order of `INSERT_ROW`): per value `~` for null,
 * `#<number>;` for a number, `$<length>:<text>` for a string (length in UTF-16 units, so any
 * content round-trips). One string crosses to the thread far cheaper than a structured
 * clone of an array of values; `commit-worker.cjs` decodes it.
 */
export function encodeBatch(rows: readonly LogRow[]): string {
  let text = "";
  for (const r of rows) {
    text += `#${r.pos};${str(r.type)}${r.seq === null ? "~" : `#${r.seq};`}${str(r.line)}${str(r.agent)}${str(r.tool)}${str(r.decision)}${str(r.code)}${str(r.call_id)}${str(r.kind)}${r.ts_ms === null || Number.isNaN(r.ts_ms) ? "~" : `#${r.ts_ms};`}`;
  }
  return text;
}

function str(value: string | null): string {
  return value === null ? "~" : `$${value.length}:${value}`;
}
