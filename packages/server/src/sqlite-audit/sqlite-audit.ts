/**
 * `sqliteAudit(path, options)`: the SQLite audit sink for library users — a core
 * `AuditSink` (give it to `createKernel({ audit })`) that can also be queried and verified.
 *
 * @example
 * const keys = generateAuditKeyPair();
 * const audit = sqliteAudit("audit.db", { signingKey: keys.privateKey });
 * const kernel = createKernel({ policies: ["policy.yaml"], audit });
 * // …
 * await kernel.close();
 * const result = await verifySqliteAudit("audit.db", { publicKey: keys.publicKey });
 */
import type { KeyObject } from "node:crypto";
import type { AuditHeader, AuditSink, AuditVerifyResult } from "@agentgov/core/audit";
import type { AuditPage, AuditQuery } from "../audit-store.js";
import { ServerError } from "../errors.js";
import { queryAudit } from "./query.js";
import { SqliteSink, type SqliteAuditOptions, type SqliteAuditState } from "./sink.js";
import { verifySqliteAudit } from "./verify.js";

/** A SQLite audit sink with queries and verification. */
export interface SqliteAuditSink extends AuditSink {
  /** Absolute path of the database. */
  readonly path: string;
  /** The log's header (read back when an existing log was continued). */
  readonly header: AuditHeader;
  /** `open`, `closing`, `closed`, or `failed` (a commit failed; appends throw `AUDIT_UNAVAILABLE`). */
  state(): SqliteAuditState;
  /** Records appended but not yet committed. */
  lag(): number;
  /**
   * Resolves once every record appended so far is committed; the commit runs at the end of
   * this turn of the event loop, one transaction shared by every caller of the turn.
   * Rejects with `AUDIT_UNAVAILABLE` when the commit fails (the sink is then failed).
   */
  whenDurable(): Promise<void>;
  /** One page of records (commits what is waiting first, then reads). Rejects with `INVALID_CURSOR`, `AUDIT_UNAVAILABLE` once closed or failed. */
  query(query: AuditQuery): Promise<AuditPage>;
  /**
   * Verifies the whole log from its stored lines (commits what is waiting first). The key
   * defaults to the signing key's public half; `allowOpen` to true until the sink is closed.
   */
  verify(options?: { publicKey?: KeyObject | string; allowOpen?: boolean }): Promise<AuditVerifyResult>;
}

/**
 * Opens (creating it) the SQLite audit log at `path` and continues its chain.
 * @throws AgentGovError `AUDIT_IO` when the database cannot be opened, is not an audit log,
 * is damaged at its end, belongs to another signing key, or is already open in this
 * process; `INVALID_OPTIONS` for bad options.
 */
export function sqliteAudit(path: string, options: SqliteAuditOptions = {}): SqliteAuditSink {
  const sink = new SqliteSink(path, options);
  return {
    path: sink.path,
    header: sink.header,
    append: (entry) => sink.append(entry),
    flush: () => sink.flush(),
    close: () => sink.close(),
    head: () => sink.head(),
    state: () => sink.state(),
    lag: () => sink.lag(),
    whenDurable: () => sink.whenDurable(),
    async query(query) {
      await sink.commit();
      if (!sink.db.open) throw new ServerError("AUDIT_UNAVAILABLE", 503, `audit database ${sink.path} is ${sink.state()}`);
      return queryAudit(sink.db, query);
    },
    async verify(verifyOptions = {}) {
      await sink.commit();
      const publicKey = verifyOptions.publicKey ?? options.signingKey;
      const opts: Parameters<typeof verifySqliteAudit>[1] = { allowOpen: verifyOptions.allowOpen ?? sink.state() !== "closed" };
      if (publicKey !== undefined) opts.publicKey = publicKey;
      return verifySqliteAudit(sink.path, opts);
    },
  };
}
