/**
 * The SQLite audit schema. One table, `audit_log`, holds the log exactly as the JSONL
 * format does, one row per line in order (`pos` = the line number: 1 is the header, then
 * records and checkpoints), with `line` the line's text — for a record, its canonical
 * JSON with the hash spliced in, the very bytes that are hashed. The other columns are
 * copies of record fields for indexed queries; verification recomputes the chain from
 * `line` alone and checks the copies against it.
 */
import Database from "better-sqlite3";

/** Version of this schema (`PRAGMA user_version`). */
export const SQLITE_AUDIT_SCHEMA_VERSION = 1;

/** `synchronous` setting of the writer connection (default `normal`; see docs/server.md, "SQLite store"). */
export type SqliteSynchronous = "full" | "normal";

const DDL = `
CREATE TABLE IF NOT EXISTS audit_log (
  pos      INTEGER PRIMARY KEY,
  type     TEXT NOT NULL CHECK (type IN ('header', 'record', 'checkpoint')),
  seq      INTEGER,
  line     TEXT NOT NULL,
  agent    TEXT,
  tool     TEXT,
  decision TEXT,
  code     TEXT,
  call_id  TEXT,
  kind     TEXT,
  ts_ms    INTEGER
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS audit_log_record_seq ON audit_log (seq) WHERE type = 'record';
CREATE INDEX IF NOT EXISTS audit_log_agent ON audit_log (agent, pos);
CREATE INDEX IF NOT EXISTS audit_log_tool ON audit_log (tool, pos);
CREATE INDEX IF NOT EXISTS audit_log_decision ON audit_log (decision, pos);
CREATE INDEX IF NOT EXISTS audit_log_code ON audit_log (code, pos);
CREATE INDEX IF NOT EXISTS audit_log_call_id ON audit_log (call_id, pos);
CREATE INDEX IF NOT EXISTS audit_log_kind ON audit_log (kind, pos);
CREATE INDEX IF NOT EXISTS audit_log_ts ON audit_log (ts_ms, pos);
`;

/** One row of `audit_log`. */
export interface LogRow {
  pos: number;
  type: "header" | "record" | "checkpoint";
  seq: number | null;
  line: string;
  agent: string | null;
  tool: string | null;
  decision: string | null;
  code: string | null;
  call_id: string | null;
  kind: string | null;
  ts_ms: number | null;
}

/** A row's values in column order (the positional parameters of {@link INSERT_ROW}). */
export type LogRowValues = [LogRow["pos"], LogRow["type"], LogRow["seq"], LogRow["line"], LogRow["agent"], LogRow["tool"], LogRow["decision"], LogRow["code"], LogRow["call_id"], LogRow["kind"], LogRow["ts_ms"]];

/** The statement that inserts a row: positional parameters in {@link LogRowValues} order (binding them is cheaper than named ones). */
export const INSERT_ROW = "INSERT INTO audit_log (pos, type, seq, line, agent, tool, decision, code, call_id, kind, ts_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/** {@link INSERT_ROW} that skips a row already stored (the exit path re-writes rows the writer thread may have committed). */
export const INSERT_ROW_IF_ABSENT = INSERT_ROW.replace("INSERT INTO", "INSERT OR IGNORE INTO");

/**
 * Opens (creating it) the database at `path` in WAL mode with the schema in place.
 * `readonly` opens an existing database for reading only (verification by another process).
 */
export function openAuditDatabase(path: string, options: { synchronous?: SqliteSynchronous; readonly?: boolean } = {}): Database.Database {
  const db = new Database(path, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
  try {
    if (options.readonly === true) return db;
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
    // A WAL checkpoint every ~4 MiB of log; readers never block the writer.
    db.pragma("wal_autocheckpoint = 1000");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version !== 0 && version !== SQLITE_AUDIT_SCHEMA_VERSION) throw new Error(`audit database schema version ${version} is not ${SQLITE_AUDIT_SCHEMA_VERSION}`);
    db.exec(DDL);
    db.pragma(`user_version = ${SQLITE_AUDIT_SCHEMA_VERSION}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
