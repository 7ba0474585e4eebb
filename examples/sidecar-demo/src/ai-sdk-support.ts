/**
 * The Vercel AI SDK agent `support-bot` against the sidecar: ai@7 `generateText` with tools
 * governed by `governTools`, driven offline by the SDK's scripted `MockLanguageModelV4`.
 * It looks up an order (allowed), tries to delete the account (denied by
 * support-desk/block-account-deletion: the tool never runs), and refunds 120 (the
 * support-desk/refund-needs-approval rule: it waits for a human).
 */
import type { Kernel } from "@agentgov/core";
import { governTools } from "@agentgov/ai-sdk";
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { z } from "zod";
import { checkApproval, type ApprovalExpectation, type Checks } from "./checks.js";

/** Runs the scenario; records what went wrong in `checks`. */
export async function aiSdkSupport(kernel: Kernel, checks: Checks, refund: ApprovalExpectation): Promise<void> {
  say("\n── Vercel AI SDK · agent support-bot ──");
  const ran = { lookup_order: 0, delete_account: 0, issue_refund: 0 };
  const tools = {
    lookup_order: tool({
      description: "Look up an order",
      inputSchema: z.object({ orderId: z.string() }),
      execute: ({ orderId }) => {
        ran.lookup_order++;
        return `order ${orderId}: delivered damaged`;
      },
    }),
    delete_account: tool({
      description: "Close a customer account for good",
      inputSchema: z.object({ customerId: z.string() }),
      execute: ({ customerId }) => {
        ran.delete_account++;
        return `account ${customerId} deleted`;
      },
    }),
    issue_refund: tool({
      description: "Refund an order",
      inputSchema: z.object({ orderId: z.string(), amount: z.number() }),
      execute: ({ orderId, amount }) => {
        ran.issue_refund++;
        return `refunded ${String(amount)} on ${orderId}`;
      },
    }),
  };
  const usage = {
    inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: 1, text: 1, reasoning: undefined },
  };
  const call = (id: string, name: string, input: unknown) => ({
    content: [{ type: "tool-call" as const, toolCallId: id, toolName: name, input: JSON.stringify(input) }],
    finishReason: { unified: "tool-calls" as const, raw: undefined },
    usage,
    warnings: [],
  });
  const model = new MockLanguageModelV4({
    doGenerate: [
      call("call-lookup", "lookup_order", { orderId: "A-1001" }),
      call("call-delete", "delete_account", { customerId: "C-42" }),
      call("call-refund", "issue_refund", { orderId: "A-1001", amount: 120 }),
      { content: [{ type: "text", text: "Done." }], finishReason: { unified: "stop", raw: undefined }, usage, warnings: [] },
    ],
  });
  await generateText({
    model,
    tools: governTools(tools, { kernel, agent: "support-bot", runId: "demo-ai-sdk" }),
    prompt: "Order A-1001 arrived damaged: refund it, and close my account.",
    stopWhen: stepCountIs(6),
  });

  /** What the model received for one call: the tool-result part of a later prompt. */
  const modelSaw = (toolCallId: string): string => {
    for (const c of model.doGenerateCalls) {
      for (const message of c.prompt) {
        if (message.role !== "tool") continue;
        for (const part of message.content) {
          if (part.type !== "tool-result" || part.toolCallId !== toolCallId) continue;
          return part.output.type === "text" || part.output.type === "error-text" ? part.output.value : JSON.stringify(part.output);
        }
      }
    }
    return "(nothing)";
  };
  const lookup = modelSaw("call-lookup");
  const denial = modelSaw("call-delete");
  const refundSaw = modelSaw("call-refund");
  say("  what the model saw:");
  say(`    lookup_order    allowed, ran: ${lookup}`);
  say(`    delete_account  denied, never ran: ${denial}`);
  const outcome = checkApproval(checks, "ai-sdk issue_refund", refund, ran.issue_refund, refundSaw);
  say(`    issue_refund    ${outcome === "approved" ? "approved, ran" : "not approved, never ran"}: ${refundSaw}`);

  checks.expect(ran.lookup_order === 1, `ai-sdk lookup_order ran ${String(ran.lookup_order)} times, expected once`);
  checks.expect(lookup.includes("delivered damaged"), `ai-sdk lookup_order: the model saw ${lookup}`);
  checks.expect(ran.delete_account === 0, `ai-sdk delete_account ran ${String(ran.delete_account)} times: a denied tool ran`);
  checks.expect(denial.includes("support-desk/block-account-deletion"), `ai-sdk delete_account: the model was not told the rule (it saw: ${denial})`);
}

function say(text: string): void {
  process.stdout.write(text + "\n");
}
