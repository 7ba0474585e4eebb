/**
 * Quickstart: one governed tool, one call allowed, one denied with the rule named, and
 * the audit log verified (hash chain and signed checkpoints).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, govern, isAgentGovError, GovernanceDenied } from "@agentgov/core";
import { generateAuditKeyPair, jsonlAudit, verifyAudit } from "@agentgov/core/audit";

const here = dirname(fileURLToPath(import.meta.url));
const auditPath = join(mkdtempSync(join(tmpdir(), "agentgov-quickstart-")), "audit.jsonl");
const keys = generateAuditKeyPair();

/** The tool being governed: an ordinary async function. */
async function query_database(args: { query: string }): Promise<string> {
  await Promise.resolve();
  return `3 rows for: ${args.query}`;
}

const kernel = createKernel({
  policies: [join(here, "..", "policy.yaml")],
  audit: jsonlAudit(auditPath, { signingKey: keys.privateKey }),
});
// The one line:
const safeQuery = govern(query_database, { kernel, agent: "support-bot" });

console.log(await safeQuery({ query: "SELECT name FROM customers WHERE id = 7" }));
try {
  await safeQuery({ query: "DROP TABLE customers" });
  throw new Error("the DROP should have been denied");
} catch (error) {
  if (!(error instanceof GovernanceDenied)) throw error;
  console.log(`denied by rule '${String(error.decision.matched_rule)}' (${error.decision.code}): ${error.decision.reason}`);
  console.log(`isAgentGovError: ${String(isAgentGovError(error))}, code: ${error.code}`);
}

await kernel.close();
const report = await verifyAudit(auditPath, { publicKey: keys.publicKey });
console.log(`audit ${auditPath}: ${report.ok ? "intact" : "TAMPERED"} (${report.records} records, sealed: ${String(report.sealed)})`);
if (!report.ok) process.exitCode = 1;
