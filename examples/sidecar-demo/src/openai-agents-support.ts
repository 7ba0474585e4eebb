/**
 * The OpenAI Agents SDK agents `support-triage` and `support-billing` against the sidecar,
 * governed by `governAgent`, driven offline by the SDK's `ScriptedModel`. Triage looks up
 * an order (allowed), tries to delete the account (denied), hands off to billing (allowed
 * at stage `handoff` by support-desk/allow-triage-to-billing), and billing refunds 250
 * (support-desk/refund-needs-approval: it waits for a human).
 */
import type { Kernel } from "@agentgov/core";
import { governAgent } from "@agentgov/openai-agents";
import { Agent, handoff, Runner, tool } from "@openai/agents";
import { assistantMessage, functionCall, ScriptedModel } from "@openai/agents/testing";
import { z } from "zod";
import { checkApproval, type ApprovalExpectation, type Checks } from "./checks.js";

/** Runs the scenario; records what went wrong in `checks`. */
export async function openAiAgentsSupport(kernel: Kernel, checks: Checks, refund: ApprovalExpectation): Promise<void> {
  say("\n── OpenAI Agents SDK · agents support-triage → support-billing ──");
  const ran = { lookup_order: 0, delete_account: 0, issue_refund: 0 };
  const lookupOrder = tool({
    name: "lookup_order",
    description: "Look up an order",
    parameters: z.object({ orderId: z.string() }),
    execute: ({ orderId }) => {
      ran.lookup_order++;
      return `order ${orderId}: charged twice`;
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
  const issueRefund = tool({
    name: "issue_refund",
    description: "Refund an order",
    parameters: z.object({ orderId: z.string(), amount: z.number() }),
    execute: ({ orderId, amount }) => {
      ran.issue_refund++;
      return `refunded ${String(amount)} on ${orderId}`;
    },
  });
  const billing = new Agent({ name: "support-billing", instructions: "Settle billing problems.", tools: [issueRefund] });
  const triage = new Agent({ name: "support-triage", instructions: "Route the customer.", tools: [lookupOrder, deleteAccount], handoffs: [billing] });
  governAgent(triage, { kernel });

  const model = new ScriptedModel([
    [functionCall("lookup_order", { orderId: "B-2002" }, { callId: "call-lookup" })],
    [functionCall("delete_account", { customerId: "C-77" }, { callId: "call-delete" })],
    [functionCall(handoff(billing).toolName, {}, { callId: "call-handoff" })],
    [functionCall("issue_refund", { orderId: "B-2002", amount: 250 }, { callId: "call-refund" })],
    [assistantMessage("Billing here: that is settled.")],
  ]);
  const result = await new Runner({ model, tracingDisabled: true }).run(triage, "I was charged twice for B-2002; refund it and close my account.");

  /** What the model received for one call, read from the requests after it. */
  const modelSaw = (callId: string): string => {
    for (const c of model.calls) {
      const items = Array.isArray(c.request.input) ? (c.request.input as unknown[]) : [];
      for (const item of items) {
        const i = item as { type?: unknown; callId?: unknown; output?: unknown };
        if (i.type !== "function_call_result" || i.callId !== callId) continue;
        const output = i.output as { text?: unknown } | string;
        return typeof output === "string" ? output : typeof output.text === "string" ? output.text : JSON.stringify(output);
      }
    }
    return "(nothing)";
  };
  const lookup = modelSaw("call-lookup");
  const denial = modelSaw("call-delete");
  const refundSaw = modelSaw("call-refund");
  const handedOff = result.lastAgent?.name === "support-billing";
  say("  what the model saw:");
  say(`    lookup_order    allowed, ran: ${lookup}`);
  say(`    delete_account  denied, never ran: ${denial}`);
  say(`    handoff         support-triage → support-billing: ${handedOff ? "allowed (support-desk/allow-triage-to-billing)" : "DID NOT HAPPEN"}`);
  const outcome = checkApproval(checks, "openai-agents issue_refund", refund, ran.issue_refund, refundSaw);
  say(`    issue_refund    ${outcome === "approved" ? "approved, ran" : "not approved, never ran"}: ${refundSaw}`);

  checks.expect(ran.lookup_order === 1, `openai-agents lookup_order ran ${String(ran.lookup_order)} times, expected once`);
  checks.expect(lookup.includes("charged twice"), `openai-agents lookup_order: the model saw ${lookup}`);
  checks.expect(ran.delete_account === 0, `openai-agents delete_account ran ${String(ran.delete_account)} times: a denied tool ran`);
  checks.expect(denial.includes("support-desk/block-account-deletion"), `openai-agents delete_account: the model was not told the rule (it saw: ${denial})`);
  checks.expect(handedOff, `openai-agents: the handoff to support-billing did not happen (last agent ${String(result.lastAgent?.name)})`);
}

function say(text: string): void {
  process.stdout.write(text + "\n");
}
