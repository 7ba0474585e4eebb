/*
 * The SQLite audit store's writer thread (see commit-thread.ts for the protocol): it owns the
 * write connection of the database, inserts the rows the main thread sends — already-built
 * canonical lines and their indexed column values, COLUMNS values per row encoded as one text
 * (see encodeBatch in commit-thread.ts) — and reports
 * the last batch it committed. Every batch waiting in its queue when it wakes goes into ONE
 * transaction (group commit across turns when the disk is the bottleneck). A failed commit or
 * open is reported once, then the thread closes its connection and ends; `close` seals: the
 * rows before it are committed, the connection closed, `closed` reported.
 * Plain CommonJS (Node cannot start a worker from a .ts file), so the same file runs from the
 * TypeScript sources (tests) and from dist/ (scripts/copy-assets.mjs copies it). Its settings
 * (path, pragmas, the insert statement) come in workerData; rows only as messages.
 */
"use strict";
const { parentPort, workerData, receiveMessageOnPort } = require("node:worker_threads");
const Database = require("better-sqlite3");

const { path, synchronous, busyTimeoutMs, insertSql, columns } = workerData;
let db;
let insertAll;
try {
  db = new Database(path, { fileMustExist: true });
  db.pragma(`synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
  db.pragma(`busy_timeout = ${Number(busyTimeoutMs)}`);
  db.pragma("wal_autocheckpoint = 1000");
  const insert = db.prepare(insertSql);
  insertAll = db.transaction((batches) => {
    for (const text of batches) {
      const values = decode(text);
      if (values.length % columns !== 0) throw new Error("malformed batch");
      for (let i = 0; i < values.length; i += columns) {
        insert.run(values[i], values[i + 1], values[i + 2], values[i + 3], values[i + 4], values[i + 5], values[i + 6], values[i + 7], values[i + 8], values[i + 9], values[i + 10]);
      }
    }
  });
} catch (error) {
  fail(error);
}

/** Decodes a batch text: `~` null, `#<number>;` a number, `$<length>:<text>` a string. */
function decode(text) {
  const values = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 126) {
      values.push(null);
      i += 1;
    } else if (c === 35) {
      const end = text.indexOf(";", i);
      if (end < 0) throw new Error("malformed batch");
      values.push(Number(text.slice(i + 1, end)));
      i = end + 1;
    } else if (c === 36) {
      const colon = text.indexOf(":", i);
      const length = Number(text.slice(i + 1, colon));
      if (colon < 0 || !Number.isSafeInteger(length) || colon + 1 + length > text.length) throw new Error("malformed batch");
      values.push(text.slice(colon + 1, colon + 1 + length));
      i = colon + 1 + length;
    } else {
      throw new Error("malformed batch");
    }
  }
  return values;
}

function fail(error) {
  parentPort.postMessage({ type: "failed", code: typeof error.code === "string" ? error.code : undefined, message: String(error.message) });
  try {
    if (db !== undefined && db.open) db.close();
  } catch {
    // the connection is unusable already
  }
  db = undefined;
  parentPort.close();
}

function commit(batches, last) {
  if (batches.length === 0) return true;
  try {
    insertAll(batches);
  } catch (error) {
    fail(error);
    return false;
  }
  parentPort.postMessage({ type: "committed", batch: last });
  return true;
}

parentPort.on("message", (first) => {
  if (db === undefined) return;
  const batches = [];
  let last = 0;
  let message = first;
  while (message !== undefined) {
    if (message.type === "close") {
      if (!commit(batches, last)) return;
      db.close();
      db = undefined;
      parentPort.postMessage({ type: "closed" });
      parentPort.close();
      return;
    }
    batches.push(message.text);
    last = message.batch;
    message = receiveMessageOnPort(parentPort)?.message;
  }
  commit(batches, last);
});
