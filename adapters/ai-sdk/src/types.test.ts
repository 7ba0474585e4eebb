/** Compile-time checks: the public API plugs into ai@7 and ai@6 without casts. */
import { createKernel, memoryAudit } from "@agentgov/core";
import type { MCPClient } from "@ai-sdk/mcp";
import { generateText as generateText7, stepCountIs as stepCountIs7, tool as tool7, ToolLoopAgent as ToolLoopAgent7, wrapLanguageModel as wrapLanguageModel7 } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { generateText as generateText6, stepCountIs as stepCountIs6, tool as tool6, ToolLoopAgent as ToolLoopAgent6, wrapLanguageModel as wrapLanguageModel6 } from "ai-v6";
import { MockLanguageModelV3 } from "ai-v6/test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { governModel, governTools, toolApprovalFor } from "./index.js";

const kernel = createKernel({ policies: [{ apiVersion: "agentgov/v1", name: "p", default_action: "allow", rules: [] }] });
const agent = "support-bot";

describe("the public API types plug into both majors", () => {
  it("ai@7: governTools, toolApprovalFor, governModel", async () => {
    const tools = governTools({ echo: tool7({ description: "echo", inputSchema: z.object({ s: z.string() }), execute: ({ s }) => s }) }, { kernel, agent });
    const model = wrapLanguageModel7({ model: new MockLanguageModelV4({ doGenerate: { content: [{ type: "text", text: "hi" }], finishReason: { unified: "stop", raw: undefined }, usage: { inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: 1, reasoning: undefined } }, warnings: [] } }), middleware: governModel({ kernel, agent }) });
    const result = await generateText7({ model, tools, toolApproval: toolApprovalFor({ kernel, agent }), prompt: "go", stopWhen: stepCountIs7(2) });
    expect(result.text).toBe("hi");
  });

  it("ai@6: governTools, governModel", async () => {
    const tools = governTools({ echo: tool6({ description: "echo", inputSchema: z.object({ s: z.string() }), execute: ({ s }) => s }) }, { kernel, agent });
    const model = wrapLanguageModel6({ model: new MockLanguageModelV3({ doGenerate: { content: [{ type: "text", text: "hi" }], finishReason: { unified: "stop", raw: undefined }, usage: { inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: 1, reasoning: undefined } }, warnings: [] } }), middleware: governModel({ kernel, agent }) });
    const result = await generateText6({ model, tools, prompt: "go", stopWhen: stepCountIs6(2) });
    expect(result.text).toBe("hi");
  });

  it("an MCP tool set passes through governTools into generateText (ai@7)", () => {
    const run = async (client: MCPClient, model: MockLanguageModelV4) => generateText7({ model, tools: governTools(await client.tools(), { kernel, agent, server: "fixture" }), prompt: "go" });
    expect(typeof run).toBe("function");
  });

  it("ToolLoopAgent runs governed tools (deny is soft) on both majors", async () => {
    const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: 1, reasoning: undefined } };
    const call = { content: [{ type: "tool-call" as const, toolCallId: "a1", toolName: "rm", input: "{}" }], finishReason: { unified: "tool-calls" as const, raw: undefined }, usage, warnings: [] };
    const done = { content: [{ type: "text" as const, text: "ok" }], finishReason: { unified: "stop" as const, raw: undefined }, usage, warnings: [] };
    const audit = memoryAudit();
    const k = createKernel({ policies: [{ apiVersion: "agentgov/v1", name: "p", default_action: "allow", rules: [{ name: "no-rm", condition: "tool.name == 'rm'", action: "deny" }] }], audit });
    const ran: string[] = [];
    const rm = { description: "rm", inputSchema: z.object({}), execute: () => ran.push("rm") };
    const a7 = new ToolLoopAgent7({ model: new MockLanguageModelV4({ doGenerate: [call, done] }), tools: governTools({ rm: tool7(rm) }, { kernel: k, agent }), stopWhen: stepCountIs7(3) });
    expect((await a7.generate({ prompt: "go" })).text).toBe("ok");
    const a6 = new ToolLoopAgent6({ model: new MockLanguageModelV3({ doGenerate: [call, done] }), tools: governTools({ rm: tool6(rm) }, { kernel: k, agent }), stopWhen: stepCountIs6(3) });
    expect((await a6.generate({ prompt: "go" })).text).toBe("ok");
    expect(ran).toEqual([]);
    expect(audit.records().map((r) => r.outcome?.status)).toEqual(["denied", "denied"]);
  });
});
