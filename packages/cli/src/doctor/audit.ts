/**
 * The audit check: the hash chain, sequence numbers and checkpoints of an audit log verify.
 * The log is `--audit <file>`, else the server's log in the default data directory when
 * there is one. A public key beside the log (the server's `audit-key.pub.pem`) is used to
 * check checkpoint signatures. An open log (a running server's) is accepted.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isAgentGovError } from "@agentgov/core";
import { verifyAudit } from "@agentgov/core/audit";
import { AUDIT_FILE, AUDIT_PUBLIC_KEY_FILE, defaultDataDir } from "@agentgov/server";
import type { CheckResult } from "./check.js";

/** Checks the audit log. */
export async function checkAudit(file: string | undefined, env: Record<string, string | undefined>, cwd: string): Promise<CheckResult> {
  const path = file === undefined ? join(defaultDataDir(env, cwd), AUDIT_FILE) : resolve(cwd, file);
  if (file === undefined && !existsSync(path)) return { check: "audit", status: "skip", message: `no --audit given and no log at ${path}` };
  const keyPath = join(dirname(path), AUDIT_PUBLIC_KEY_FILE);
  let publicKey: string | undefined;
  try {
    publicKey = existsSync(keyPath) ? readFileSync(keyPath, "utf8") : undefined;
  } catch (error) {
    return { check: "audit", status: "fail", message: `cannot read the key ${keyPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  try {
    const result = await verifyAudit(path, { allowOpen: true, ...(publicKey === undefined ? {} : { publicKey }) });
    if (result.error !== undefined) {
      const where = result.error.seq === null ? `line ${result.error.line}` : `seq ${result.error.seq} (line ${result.error.line})`;
      return { check: "audit", status: "fail", message: `${path}: ${result.error.reason === "truncated" ? "TRUNCATED" : "TAMPERED"} at ${where}: ${result.error.reason} — ${result.error.message}` };
    }
    const signatures = result.signaturesChecked ? `signatures verified with ${keyPath}` : "signatures not checked (no public key beside the log)";
    return { check: "audit", status: "pass", message: `${path}: ${result.records} record(s) chain intact, ${result.sealed ? "sealed" : "open"}; ${signatures}` };
  } catch (error) {
    if (isAgentGovError(error)) return { check: "audit", status: "fail", message: `${path}: ${error.code}: ${error.message}` };
    throw error;
  }
}
