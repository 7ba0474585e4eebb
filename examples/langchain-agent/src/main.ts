/**
 * LangChain example: a real `createAgent` loop governed by `governanceMiddleware`, driven
 * offline by LangChain's scripted `fakeModel()`. The model reads a file (allowed), then
 * tries to delete one (denied by the policy: the tool never runs, the model is told why),
 * and the signed audit log is verified.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, type AuditEntry, type AuditSink } from "@agentgov/core";
import { generateAuditKeyPair, jsonlAudit, verifyAudit } from "@agentgov/core/audit";
import { governanceMiddleware } from "@agentgov/langchain";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { createAgent, tool } from "langchain";
import { z } from "zod";

const here = dirname(fileURLToPath(import.meta.url));
const auditPath = join(mkdtempSync(join(tmpdir(), "agentgov-langchain-")), "audit.jsonl");
const keys = generateAuditKeyPair();
const problems: string[] = [];

/** Side effects, counted: the denied tool must never run. */
const ran = { read_file: 0, delete_file: 0 };

const readFile = tool(
  ({ path }) => {
    ran.read_file++;
    return `contents of ${path}: "Reset your password from the account page."`;
  },
  { name: "read_file", description: "Read a file", schema: z.object({ path: z.string() }) },
);
const deleteFile = tool(
  ({ path }) => {
    ran.delete_file++;
    return `deleted ${path}`;
  },
  { name: "delete_file", description: "Delete a file", schema: z.object({ path: z.string() }) },
);

/** Prints each decision as the kernel records it (before the tool runs), then hands it to the log. */
const decisions: { tool: string; allowed: boolean }[] = [];
function printing(sink: AuditSink): AuditSink {
  return {
    append(entry: AuditEntry) {
      const record = sink.append(entry);
      if (entry.kind === "decision") {
        const d = entry.decision;
        const rule = `${String(d.policy)}/${String(d.matched_rule)}`;
        const verdict = d.allowed ? `allowed (${rule})` : `denied by ${rule} (${d.code})`;
        console.log(`${entry.stage} ${String(entry.tool)} ${JSON.stringify(entry.args)}: ${verdict}`);
        decisions.push({ tool: String(entry.tool), allowed: d.allowed });
      }
      return record;
    },
    flush: () => sink.flush(),
    close: () => sink.close(),
    head: () => sink.head(),
  };
}

const kernel = createKernel({
  policies: [join(here, "..", "policy.yaml")],
  audit: printing(jsonlAudit(auditPath, { signingKey: keys.privateKey })),
});

// The scripted model: one tool call per turn, then a final answer.
const model = fakeModel()
  .respondWithTools([{ name: "read_file", args: { path: "/srv/faq.md" }, id: "call-read" }])
  .respondWithTools([{ name: "delete_file", args: { path: "/srv/faq.md" }, id: "call-delete" }])
  .respond(new AIMessage("I read the FAQ; deleting it is not allowed."));

// The one line: governanceMiddleware first in `middleware`.
const agent = createAgent({
  model,
  tools: [readFile, deleteFile],
  middleware: [governanceMiddleware({ kernel, agent: "support-bot" })],
});

const result = await agent.invoke(
  { messages: [{ role: "user", content: "Read the FAQ, then delete it." }] },
  { configurable: { thread_id: "thread-1" } },
);

const denial = result.messages.find((m) => ToolMessage.isInstance(m) && m.tool_call_id === "call-delete");
console.log(`the model saw: ${denial?.text ?? "(nothing)"}`);
console.log(`final answer: ${result.messages.at(-1)?.text ?? "(none)"}`);

await kernel.close();
const report = await verifyAudit(auditPath, { publicKey: keys.publicKey });
console.log(
  `audit ${auditPath}: ${report.ok ? "intact" : "TAMPERED"} (${report.records} records, sealed: ${report.sealed}, signatures checked: ${report.signaturesChecked})`,
);

// What must hold; anything else exits 1.
if (ran.read_file !== 1) problems.push(`read_file ran ${ran.read_file} times, expected 1`);
if (ran.delete_file !== 0) problems.push(`delete_file ran ${ran.delete_file} times: the denied tool ran`);
if (JSON.stringify(decisions) !== JSON.stringify([{ tool: "read_file", allowed: true }, { tool: "delete_file", allowed: false }])) {
  problems.push(`unexpected decisions: ${JSON.stringify(decisions)}`);
}
if (denial === undefined || !denial.text.includes("denied by policy (support-files/block-delete)")) {
  problems.push("the model was not told about the denial");
}
if (!report.ok || !report.sealed || !report.signaturesChecked) problems.push(`audit verification failed: ${JSON.stringify(report)}`);
for (const p of problems) console.error(`FAIL: ${p}`);
if (problems.length > 0) process.exitCode = 1;
