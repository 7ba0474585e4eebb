/**
 * The audit check: the hash chain, sequence numbers and checkpoints of an audit log verify.
 * The log is `--audit <file>` — a SQLite database (recognised by its header, as the
 * server's default store `audit.db` is) or a JSONL file — else every server log found in
 * the data directories: `$AGENTGOV_HOME/server` (or `~/.agentgov/server`), and, when
 * `AGENTGOV_HOME` is not set, `./.agentgov/server` (where `npm start` keeps it); in each,
 * `audit.db` and `audit.jsonl`. A public key beside the log (the server's
 * `audit-key.pub.pem`) is used to check checkpoint signatures. An open log (a running
 * server's) is accepted.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isAgentGovError } from "@agentgov/core";
import { verifyAudit, type AuditVerifyResult } from "@agentgov/core/audit";
import { AUDIT_DB_FILE, AUDIT_FILE, AUDIT_PUBLIC_KEY_FILE, defaultDataDir, verifySqliteAudit } from "@agentgov/server";
import type { CheckResult } from "./check.js";

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

/** Checks the audit log given, or each server log found; one result per log (a skip when there is none). */
export async function checkAudit(file: string | undefined, env: Record<string, string | undefined>, cwd: string): Promise<CheckResult[]> {
  if (file !== undefined) return [await checkLog(resolve(cwd, file))];
  const dirs = [...new Set([defaultDataDir(env, cwd), ...(nonEmpty(env.AGENTGOV_HOME) ? [] : [resolve(cwd, ".agentgov", "server")])])];
  const logs = dirs.flatMap((dir) => [join(dir, AUDIT_DB_FILE), join(dir, AUDIT_FILE)]).filter((path) => existsSync(path));
  if (logs.length === 0) return [{ check: "audit", status: "skip", message: `no --audit given and no server log (${AUDIT_DB_FILE} or ${AUDIT_FILE}) in ${dirs.join(" or ")}` }];
  const results: CheckResult[] = [];
  for (const path of logs) results.push(await checkLog(path));
  return results;
}

/** Verifies one log, SQLite or JSONL. */
async function checkLog(path: string): Promise<CheckResult> {
  const keyPath = join(dirname(path), AUDIT_PUBLIC_KEY_FILE);
  let publicKey: string | undefined;
  try {
    publicKey = existsSync(keyPath) ? readFileSync(keyPath, "utf8") : undefined;
  } catch (error) {
    return { check: "audit", status: "fail", message: `cannot read the key ${keyPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  const sqlite = isSqlite(path);
  const label = sqlite ? `${path} (SQLite)` : path;
  const options = { allowOpen: true, ...(publicKey === undefined ? {} : { publicKey }) };
  let result: AuditVerifyResult;
  try {
    result = sqlite ? await verifySqliteAudit(path, options) : await verifyAudit(path, options);
  } catch (error) {
    if (isAgentGovError(error)) return { check: "audit", status: "fail", message: `${label}: ${error.code}: ${error.message}` };
    // better-sqlite3: not an audit database (no audit_log table), unreadable, locked, …
    if (sqlite) return { check: "audit", status: "fail", message: `${label}: AUDIT_IO: cannot read the audit database: ${codeOf(error)}` };
    throw error;
  }
  if (result.error !== undefined) {
    const where = result.error.seq === null ? `line ${result.error.line}` : `seq ${result.error.seq} (line ${result.error.line})`;
    return { check: "audit", status: "fail", message: `${label}: ${result.error.reason === "truncated" ? "TRUNCATED" : "TAMPERED"} at ${where}: ${result.error.reason} — ${result.error.message}` };
  }
  const signatures = result.signaturesChecked ? `signatures verified with ${keyPath}` : "signatures not checked (no public key beside the log)";
  return { check: "audit", status: "pass", message: `${label}: ${result.records} record(s) chain intact, ${result.sealed ? "sealed" : "open"}; ${signatures}` };
}

/** True when the file starts with the SQLite header (false when it cannot be read: the JSONL path reports that). */
function isSqlite(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const head = Buffer.alloc(SQLITE_HEADER.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_HEADER);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function codeOf(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? `${e.code}: ` : "";
  return `${code}${typeof e?.message === "string" ? e.message : String(error)}`;
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value !== "";
}
