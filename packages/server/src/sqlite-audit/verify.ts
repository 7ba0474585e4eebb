/**
 * Verification of a SQLite audit log: the rows are fed, in `pos` order and in chunks (the
 * event loop breathes between them), to the core's streaming verifier, which recomputes
 * every record hash from the stored `line` text, follows the chain, and checks the
 * checkpoints and their Ed25519 signatures — the same rules and reasons as a JSONL file.
 * On top, each row must sit at the next `pos` (a deleted row shows), and the columns that
 * queries filter on must agree with the record's line (a doctored index column cannot
 * hide a record from a query): either problem is reported as `malformed_line` at that row.
 */
import { setImmediate as breathe } from "node:timers/promises";
import type { KeyObject } from "node:crypto";
import Database from "better-sqlite3";
import { keyIdOf, toPublicKey, verdict, Verifier, type AuditVerifyError, type AuditVerifyResult } from "@agentgov/core/audit";
import type { LogRow } from "./schema.js";

/** Options of {@link verifySqliteAudit}. */
export interface VerifySqliteAuditOptions {
  /** The Ed25519 public key the checkpoints must be signed with; without it signatures are not checked. */
  publicKey?: KeyObject | string;
  /** Accept a log without a final checkpoint (a live log). */
  allowOpen?: boolean;
  /** Rows read per chunk (default 5000). */
  chunkRows?: number;
}

/**
 * Verifies the audit log in the SQLite database at `source` (a path, opened read-only, or
 * an open connection). Reports the first problem; never throws for a bad log.
 * @throws when the database cannot be opened or read.
 */
export async function verifySqliteAudit(source: string | Database.Database, options: VerifySqliteAuditOptions = {}): Promise<AuditVerifyResult> {
  const db = typeof source === "string" ? new Database(source, { readonly: true, fileMustExist: true }) : source;
  try {
    const publicKey = options.publicKey === undefined ? undefined : toPublicKey(options.publicKey);
    const verifier = new Verifier({ publicKey, pinnedKeyId: publicKey === undefined ? undefined : keyIdOf(publicKey), genesis: undefined });
    const chunk = options.chunkRows ?? 5000;
    const page = db.prepare<[number, number], LogRow>("SELECT * FROM audit_log WHERE pos > ? ORDER BY pos LIMIT ?");
    let pos = 0;
    let extra: AuditVerifyError | undefined;
    outer: for (;;) {
      const rows = page.all(pos, chunk);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (row.pos !== pos + 1) {
          extra = { seq: null, line: pos + 1, reason: "malformed_line", message: `row pos ${pos + 1} is missing (rows up to pos ${row.pos - 1} were deleted)` };
          break outer;
        }
        pos = row.pos;
        if (!verifier.line(row.line)) break outer;
        extra = columnProblem(row);
        if (extra !== undefined) break outer;
      }
      await breathe();
    }
    const state = verifier.state();
    if (extra !== undefined && state.error === undefined) state.error = extra;
    return verdict(state, options.allowOpen ?? false, publicKey !== undefined);
  } finally {
    if (typeof source === "string") db.close();
  }
}

/** Why a row's query columns disagree with its line, if they do. */
function columnProblem(row: LogRow): AuditVerifyError | undefined {
  const type = row.line.startsWith('{"type":"header"') ? "header" : row.line.startsWith('{"type":"checkpoint"') ? "checkpoint" : "record";
  const problem = (column: string): AuditVerifyError => ({ seq: row.seq, line: row.pos, reason: "malformed_line", message: `the row's '${column}' column disagrees with its line (the index was altered)` });
  if (row.type !== type) return problem("type");
  if (type !== "record") return undefined;
  const r = JSON.parse(row.line) as Record<string, unknown> & { decision: Record<string, unknown> };
  const expected: Record<string, unknown> = {
    seq: r.seq,
    agent: r.agent,
    tool: r.tool ?? null,
    decision: typeof r.decision.action === "string" ? r.decision.action : null,
    code: typeof r.decision.code === "string" ? r.decision.code : null,
    call_id: r.call_id ?? null,
    kind: r.kind,
    ts_ms: typeof r.ts === "string" ? Date.parse(r.ts) : null,
  };
  for (const [column, value] of Object.entries(expected)) if (row[column as keyof LogRow] !== value) return problem(column);
  return undefined;
}
