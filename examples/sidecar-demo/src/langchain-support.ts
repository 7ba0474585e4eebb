/**
 * The LangChain agent `support-assistant` against the sidecar: a real `createAgent` loop
 * governed by `governanceMiddleware`, driven offline by LangChain's scripted `fakeModel()`.
 * It searches the knowledge base (allowed), tries to delete the account (denied), and
 * refunds 30 — under the threshold, so support-desk/allow-small-refunds lets it run
 * without waiting for anyone.
 */
import type { Kernel } from "@agentgov/core";
import { governanceMiddleware } from "@agentgov/langchain";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { createAgent, tool } from "langchain";
import { z } from "zod";
import type { Checks } from "./checks.js";

/** Runs the scenario; records what went wrong in `checks`. */
export async function langchainSupport(kernel: Kernel, checks: Checks): Promise<void> {
  say("\n── LangChain · agent support-assistant ──");
  const ran = { search_kb: 0, delete_account: 0, issue_refund: 0 };
  const searchKb = tool(
    ({ query }) => {
      ran.search_kb++;
      return `kb: "${query}" → refunds under 50 are goodwill`;
    },
    { name: "search_kb", description: "Search the knowledge base", schema: z.object({ query: z.string() }) },
  );
  const deleteAccount = tool(
    ({ customerId }) => {
      ran.delete_account++;
      return `account ${customerId} deleted`;
    },
    { name: "delete_account", description: "Close a customer account for good", schema: z.object({ customerId: z.string() }) },
  );
  const issueRefund = tool(
    ({ orderId, amount }) => {
      ran.issue_refund++;
      return `refunded ${String(amount)} on ${orderId}`;
    },
    { name: "issue_refund", description: "Refund an order", schema: z.object({ orderId: z.string(), amount: z.number() }) },
  );
  const model = fakeModel()
    .respondWithTools([{ name: "search_kb", args: { query: "late delivery" }, id: "call-search" }])
    .respondWithTools([{ name: "delete_account", args: { customerId: "C-9" }, id: "call-delete" }])
    .respondWithTools([{ name: "issue_refund", args: { orderId: "C-3003", amount: 30 }, id: "call-refund" }])
    .respond(new AIMessage("Refunded 30 as goodwill."));
  const agent = createAgent({ model, tools: [searchKb, deleteAccount, issueRefund], middleware: [governanceMiddleware({ kernel, agent: "support-assistant" })] });
  const result = await agent.invoke({ messages: [{ role: "user", content: "My order C-3003 was late; close my account." }] }, { configurable: { thread_id: "demo-langchain" } });

  const modelSaw = (id: string): string => result.messages.find((m) => ToolMessage.isInstance(m) && m.tool_call_id === id)?.text ?? "(nothing)";
  const search = modelSaw("call-search");
  const denial = modelSaw("call-delete");
  const refund = modelSaw("call-refund");
  say("  what the model saw:");
  say(`    search_kb       allowed, ran: ${search}`);
  say(`    delete_account  denied, never ran: ${denial}`);
  say(`    issue_refund    30 is under the threshold (support-desk/allow-small-refunds), ran: ${refund}`);

  checks.expect(ran.search_kb === 1 && search.includes("goodwill"), `langchain search_kb ran ${String(ran.search_kb)} times; the model saw ${search}`);
  checks.expect(ran.delete_account === 0, `langchain delete_account ran ${String(ran.delete_account)} times: a denied tool ran`);
  checks.expect(denial.includes("support-desk/block-account-deletion"), `langchain delete_account: the model was not told the rule (it saw: ${denial})`);
  checks.expect(ran.issue_refund === 1 && refund.includes("refunded 30"), `langchain issue_refund of 30 ran ${String(ran.issue_refund)} times, expected once without approval; the model saw ${refund}`);
}

function say(text: string): void {
  process.stdout.write(text + "\n");
}
