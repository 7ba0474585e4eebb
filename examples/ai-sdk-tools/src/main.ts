/**
 * AI SDK example: ai@7 `generateText` with tools governed by `governTools`, driven offline
 * by the SDK's scripted `MockLanguageModelV4`. The model runs a SELECT (allowed), then tries
 * to drop a table (denied: the tool never runs, the model gets the denial as the tool
 * result and the loop goes on). The signed audit log is verified at the end.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, type AuditEntry, type AuditSink } from "@agentgov/core";
import { generateAuditKeyPair, jsonlAudit, verifyAudit } from "@agentgov/core/audit";
import { governTools } from "@agentgov/ai-sdk";
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { z } from "zod";

const here = dirname(fileURLToPath(import.meta.url));
const auditPath = join(mkdtempSync(join(tmpdir(), "agentgov-ai-sdk-")), "audit.jsonl");
const keys = generateAuditKeyPair();
const problems: string[] = [];

/** Side effects, counted: the denied tool must never run. */
const ran = { run_query: 0, drop_table: 0 };

const tools = {
  run_query: tool({
    description: "Run a SQL query",
    inputSchema: z.object({ sql: z.string() }),
    execute: ({ sql }) => {
      ran.run_query++;
      return `42 rows for: ${sql}`;
    },
  }),
  drop_table: tool({
    description: "Drop a table",
    inputSchema: z.object({ table: z.string() }),
    execute: ({ table }) => {
      ran.drop_table++;
      return `dropped ${table}`;
    },
  }),
};

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

// The scripted model: one tool call per step, then a final answer.
const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};
const model = new MockLanguageModelV4({
  doGenerate: [
    {
      content: [{ type: "tool-call", toolCallId: "call-select", toolName: "run_query", input: JSON.stringify({ sql: "SELECT region, sum(total) FROM orders GROUP BY region" }) }],
      finishReason: { unified: "tool-calls", raw: undefined },
      usage,
      warnings: [],
    },
    {
      content: [{ type: "tool-call", toolCallId: "call-drop", toolName: "drop_table", input: JSON.stringify({ table: "orders" }) }],
      finishReason: { unified: "tool-calls", raw: undefined },
      usage,
      warnings: [],
    },
    {
      content: [{ type: "text", text: "Sales by region are ready; dropping the table was refused." }],
      finishReason: { unified: "stop", raw: undefined },
      usage,
      warnings: [],
    },
  ],
});

// The one line: governTools around the tool set.
const result = await generateText({
  model,
  tools: governTools(tools, { kernel, agent: "reporting-bot", runId: "run-1" }),
  prompt: "Summarise sales by region, then drop the orders table.",
  stopWhen: stepCountIs(5),
});

/** What the model received for one call: the tool-result part of a later prompt. */
function modelSaw(toolCallId: string): string {
  for (const call of model.doGenerateCalls) {
    for (const message of call.prompt) {
      if (message.role !== "tool") continue;
      for (const part of message.content) {
        if (part.type !== "tool-result" || part.toolCallId !== toolCallId) continue;
        return part.output.type === "text" || part.output.type === "error-text" ? part.output.value : JSON.stringify(part.output);
      }
    }
  }
  return "(nothing)";
}

const denialText = modelSaw("call-drop");
console.log(`the model saw: ${denialText}`);
console.log(`final answer: ${result.text}`);

await kernel.close();
const report = await verifyAudit(auditPath, { publicKey: keys.publicKey });
console.log(
  `audit ${auditPath}: ${report.ok ? "intact" : "TAMPERED"} (${report.records} records, sealed: ${report.sealed}, signatures checked: ${report.signaturesChecked})`,
);

// What must hold; anything else exits 1.
if (ran.run_query !== 1) problems.push(`run_query ran ${ran.run_query} times, expected 1`);
if (ran.drop_table !== 0) problems.push(`drop_table ran ${ran.drop_table} times: the denied tool ran`);
if (JSON.stringify(decisions) !== JSON.stringify([{ tool: "run_query", allowed: true }, { tool: "drop_table", allowed: false }])) {
  problems.push(`unexpected decisions: ${JSON.stringify(decisions)}`);
}
if (!denialText.includes("denied by policy (reporting-db/block-drop-table)")) problems.push("the model was not told about the denial");
if (!report.ok || !report.sealed || !report.signaturesChecked) problems.push(`audit verification failed: ${JSON.stringify(report)}`);
for (const p of problems) console.error(`FAIL: ${p}`);
if (problems.length > 0) process.exitCode = 1;
