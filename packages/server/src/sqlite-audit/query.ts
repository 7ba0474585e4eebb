/**
 * Paged audit queries over the indexed columns of `audit_log`: every filter is an equality
 * or range on a column (bound parameters, never SQL text from input), records come back
 * oldest first as parsed from their stored lines, and the cursor is the `pos` of the last
 * row scanned (at the end: the end of the log, to follow new records).
 */
import type Database from "better-sqlite3";
import type { AuditRecord } from "@agentgov/core";
import type { AuditPage, AuditQuery } from "../audit-store.js";
import { ServerError } from "../errors.js";

const COLUMNS: [keyof AuditQuery, string][] = [["agent", "agent"], ["tool", "tool"], ["decision", "decision"], ["code", "code"], ["callId", "call_id"], ["kind", "kind"]];

/** One page of records matching `query`. Throws `INVALID_CURSOR` for a cursor this store did not issue. */
export function queryAudit(db: Database.Database, query: AuditQuery): AuditPage {
  const where = ["type = 'record'", "pos > ?"];
  const params: (string | number)[] = [query.cursor === undefined ? 0 : decodeCursor(query.cursor)];
  for (const [field, column] of COLUMNS) {
    const value = query[field];
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (query.since !== undefined) {
    where.push("ts_ms >= ?");
    params.push(query.since);
  }
  if (query.until !== undefined) {
    where.push("ts_ms < ?");
    params.push(query.until);
  }
  params.push(query.limit + 1);
  const read = db.transaction(() => {
    const rows = db.prepare<(string | number)[], { pos: number; line: string }>(`SELECT pos, line FROM audit_log WHERE ${where.join(" AND ")} ORDER BY pos LIMIT ?`).all(...params);
    const end = db.prepare<[], { pos: number | null }>("SELECT max(pos) AS pos FROM audit_log").get()?.pos ?? 0;
    return { rows, end };
  });
  const { rows, end } = read();
  const hasMore = rows.length > query.limit;
  const page = hasMore ? rows.slice(0, query.limit) : rows;
  const last = page.at(-1)?.pos;
  const next = hasMore ? (last ?? 0) : Math.max(end, last ?? 0, params[0] as number);
  return { records: page.map((r) => JSON.parse(r.line) as AuditRecord), next_cursor: encodeCursor(next), has_more: hasMore };
}

function encodeCursor(pos: number): string {
  return Buffer.from(`s1:${pos}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const m = /^s1:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("latin1"));
  if (m?.[1] === undefined) throw new ServerError("INVALID_CURSOR", 400, "the cursor is not one this server issued");
  return Number(m[1]);
}
