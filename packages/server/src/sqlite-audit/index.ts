/**
 * `@agentgov/server/sqlite-audit`: the SQLite audit store — the same canonical records,
 * SHA-256 chain and Ed25519-signed checkpoints as the core's JSONL sink, in a WAL-mode
 * SQLite database with group commit and indexed queries.
 */
export { sqliteAudit } from "./sqlite-audit.js";
export type { SqliteAuditSink } from "./sqlite-audit.js";
export { verifySqliteAudit } from "./verify.js";
export type { VerifySqliteAuditOptions } from "./verify.js";
export { sqliteAuditStore, AUDIT_DB_FILE } from "./store.js";
export type { SqliteAuditStoreOptions } from "./store.js";
export { DEFAULT_SQLITE_BUSY_TIMEOUT_MS, DEFAULT_SQLITE_FLUSH_INTERVAL_MS, DEFAULT_SQLITE_MAX_BUFFERED_RECORDS } from "./sink.js";
export type { SqliteAuditOptions, SqliteAuditState } from "./sink.js";
export { SQLITE_AUDIT_SCHEMA_VERSION } from "./schema.js";
export type { SqliteSynchronous } from "./schema.js";
