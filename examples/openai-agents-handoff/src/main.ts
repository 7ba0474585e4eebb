/**
 * OpenAI Agents SDK example: a triage agent with tools and a handoff to a billing agent,
 * governed by `governAgent`, driven offline by the SDK's `ScriptedModel`. The triage agent
 * looks up an order (allowed), tries to delete the account (denied: the tool never runs,
 * the model is told why), then hands off to billing (allowed, audited at stage `handoff`).
 * The signed audit log is verified at the end.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, type AuditEntry, type AuditSink } from "@agentgov/core";
import { generateAuditKeyPair, jsonlAudit, verifyAudit } from "@agentgov/core/audit";
import { governAgent } from "@agentgov/openai-agents";
import { Agent, Runner, tool } from "@openai/agents";
import { assistantMessage, functionCall, ScriptedModel } from "@openai/agents/testing";
import { z } from "zod";

const here = dirname(fileURLToPath(import.meta.url));
const auditPath = join(mkdtempSync(join(tmpdir(), "agentgov-openai-agents-")), "audit.jsonl");
const keys = generateAuditKeyPair();
const problems: string[] = [];

/** Side effects, counted: the denied tool must never run. */
const ran = { lookup_order: 0, delete_account: 0 };

const lookupOrder = tool({
  name: "lookup_order",
  description: "Look up an order",
  parameters: z.object({ orderId: z.string() }),
  execute: ({ orderId }) => {
    ran.lookup_order++;
    return `order ${orderId}: shipped, invoice INV-7 open`;
  },
});
const deleteAccount = tool({
  name: "delete_account",
  description: "Close a customer account for good",
  parameters: z.object({ customerId: z.string() }),
  execute: ({ customerId }) => {
    ran.delete_account++;
    return `account ${customerId} deleted`;
  },
});

/** Prints each decision as the kernel records it (before anything runs), then hands it to the log. */
const decisions: { agent: string; stage: string; tool: string; allowed: boolean }[] = [];
function printing(sink: AuditSink): AuditSink {
  return {
    append(entry: AuditEntry) {
      const record = sink.append(entry);
      if (entry.kind === "decision") {
        const d = entry.decision;
        const rule = `${String(d.policy)}/${String(d.matched_rule)}`;
        const verdict = d.allowed ? `allowed (${rule})` : `denied by ${rule} (${d.code})`;
        console.log(`[${entry.agent}] ${entry.stage} ${String(entry.tool)} ${JSON.stringify(entry.args)}: ${verdict}`);
        decisions.push({ agent: entry.agent, stage: entry.stage, tool: String(entry.tool), allowed: d.allowed });
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

const billing = new Agent({ name: "billing", instructions: "Settle invoices." });
const triage = new Agent({ name: "triage", instructions: "Route the customer.", tools: [lookupOrder, deleteAccount], handoffs: [billing] });

// The one line: every tool call and handoff of triage (and of billing) is now governed.
governAgent(triage, { kernel });

// The scripted model, shared by both agents: one step per model turn.
const model = new ScriptedModel([
  [functionCall("lookup_order", { orderId: "A-1001" }, { callId: "call-lookup" })],
  [functionCall("delete_account", { customerId: "C-42" }, { callId: "call-delete" })],
  [functionCall("transfer_to_billing", {}, { callId: "call-handoff" })],
  [assistantMessage("Billing here: invoice INV-7 is settled.")],
]);
const result = await new Runner({ model, tracingDisabled: true }).run(triage, "Where is order A-1001? Also close my account.");

/** What the model received for one call, read from the request after it. */
function modelSaw(callId: string): string | undefined {
  for (const call of model.calls) {
    const items = Array.isArray(call.request.input) ? (call.request.input as unknown[]) : [];
    for (const item of items) {
      const i = item as { type?: unknown; callId?: unknown; output?: unknown };
      if (i.type !== "function_call_result" || i.callId !== callId) continue;
      const output = i.output as { text?: unknown } | string;
      return typeof output === "string" ? output : typeof output.text === "string" ? output.text : JSON.stringify(output);
    }
  }
  return undefined;
}

const denialText = modelSaw("call-delete");
console.log(`the model saw: ${denialText ?? "(nothing)"}`);
console.log(`final agent: ${String(result.lastAgent?.name)}, final output: ${String(result.finalOutput)}`);

await kernel.close();
const report = await verifyAudit(auditPath, { publicKey: keys.publicKey });
console.log(
  `audit ${auditPath}: ${report.ok ? "intact" : "TAMPERED"} (${report.records} records, sealed: ${report.sealed}, signatures checked: ${report.signaturesChecked})`,
);

// What must hold; anything else exits 1.
const expected = [
  { agent: "triage", stage: "pre_tool", tool: "lookup_order", allowed: true },
  { agent: "triage", stage: "pre_tool", tool: "delete_account", allowed: false },
  { agent: "triage", stage: "handoff", tool: "transfer_to_billing", allowed: true },
];
if (ran.lookup_order !== 1) problems.push(`lookup_order ran ${ran.lookup_order} times, expected 1`);
if (ran.delete_account !== 0) problems.push(`delete_account ran ${ran.delete_account} times: the denied tool ran`);
if (JSON.stringify(decisions) !== JSON.stringify(expected)) problems.push(`unexpected decisions: ${JSON.stringify(decisions)}`);
if (denialText?.includes("denied by policy (support-desk/block-account-deletion)") !== true) problems.push("the model was not told about the denial");
if (result.lastAgent?.name !== "billing") problems.push("the handoff to billing did not happen");
if (!report.ok || !report.sealed || !report.signaturesChecked) problems.push(`audit verification failed: ${JSON.stringify(report)}`);
for (const p of problems) console.error(`FAIL: ${p}`);
if (problems.length > 0) process.exitCode = 1;
