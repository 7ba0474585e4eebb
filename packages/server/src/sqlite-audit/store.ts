/**
 * The server's SQLite audit store (the default of `agentgov serve`): `audit.db` in the data
 * directory, its checkpoints signed with the data directory's audit key, verified against
 * the pinned public key.
 */
import { join } from "node:path";
import type { AuditVerifyResult } from "@agentgov/core/audit";
import { auditKeys } from "../audit-keys.js";
import type { AuditStore } from "../audit-store.js";
import { sqliteAudit } from "./sqlite-audit.js";
import type { SqliteAuditOptions } from "./sink.js";

/** The database file name inside the data directory. */
export const AUDIT_DB_FILE = "audit.db";

/** Options of {@link sqliteAuditStore}. */
export interface SqliteAuditStoreOptions extends Pick<SqliteAuditOptions, "flushIntervalMs" | "synchronous" | "busyTimeoutMs" | "maxBufferedRecords" | "checkpointEvery"> {
  /** The data directory. */
  dir: string;
  clock?: () => number;
}

/** Opens (or continues) the SQLite audit log of a data directory. */
export function sqliteAuditStore(options: SqliteAuditStoreOptions): AuditStore {
  const { dir, clock, ...rest } = options;
  const { privateKey, publicKey } = auditKeys(dir);
  const sinkOptions: SqliteAuditOptions = { ...rest, signingKey: privateKey };
  if (clock !== undefined) sinkOptions.clock = clock;
  const sink = sqliteAudit(join(dir, AUDIT_DB_FILE), sinkOptions);
  let verifying: Promise<AuditVerifyResult> | undefined;
  return {
    sink,
    location: sink.path,
    query: (query) => sink.query(query),
    verify() {
      // One verification at a time; concurrent requests share it.
      verifying ??= sink.verify({ publicKey }).finally(() => {
        verifying = undefined;
      });
      return verifying;
    },
    state: () => sink.state(),
    lag: () => sink.lag(),
    whenDurable: () => sink.whenDurable(),
    close: () => sink.close(),
  };
}
