import { renderDenial } from "@agentgov/core";
import { ToolMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { createAgent, tool } from "langchain";
import { z } from "zod";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GovernanceCallbackHandler } from "./index.js";
import { CONFIG, DEFAULT_CALLS, DENY_DELETE, SECRET, USER, finalText, fixtureTools, kernelWith, policy, scriptedModel, toolMessagesSeen } from "./testing/fixtures/agent.js";

const denialText = renderDenial({ policy: "test", matched_rule: "no-delete", code: "rule", reason: "deleting files is not allowed" });

describe("GovernanceCallbackHandler (limited fallback for a compiled agent)", () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  beforeEach(() => {
    rejections.length = 0;
    process.on("unhandledRejection", onRejection);
    // LangChain logs each raised handler error with console.error.
    vi.spyOn(console, "error").mockImplementation(() => undefined);
  });
  afterEach(() => {
    process.off("unhandledRejection", onRejection);
    vi.restoreAllMocks();
  });

  it("blocks through raiseError: the denied body never runs, the model sees the denial in ToolNode's error feedback", async () => {
    const ran: string[] = [];
    const { kernel, records } = kernelWith([DENY_DELETE]);
    const model = scriptedModel(DEFAULT_CALLS);
    const compiled = createAgent({ model, tools: fixtureTools(ran) });
    const handler = new GovernanceCallbackHandler({ kernel, agent: "bot" });
    expect(handler.raiseError).toBe(true);
    expect(handler.awaitHandlers).toBe(true);
    const out = await compiled.withConfig({ callbacks: [handler] }).invoke(USER, CONFIG);
    expect(ran).toEqual(["read_file:a.txt"]);
    expect(toolMessagesSeen(model).get("c1")).toMatchObject({ content: `GovernanceDenied: ${denialText}\n Please fix your mistakes.`, status: "error" });
    expect(finalText(out.messages)).toBe("done");
    expect(records().filter((r) => r.call_id === "c1")).toEqual([expect.objectContaining({ kind: "decision", tool: "delete_file", run_id: "thread-1", outcome: { status: "denied" } })]);
    expect(records().filter((r) => r.call_id === "c2").map((r) => [r.kind, r.outcome?.status])).toEqual([["decision", "pending"], ["outcome", "ok"]]);
    expect(rejections).toEqual([]);
  });

  it("steer and transform cannot be applied in a callback, so they deny", async () => {
    const ran: string[] = [];
    const { kernel } = kernelWith([
      policy([
        { name: "steer", condition: "tool.name == 'read_file'", action: "steer", message: "prefer the cache" },
        { name: "sandbox", condition: "tool.name == 'delete_file'", action: "transform", set: { "args.path": "/sandbox" } },
      ]),
    ]);
    const model = scriptedModel(DEFAULT_CALLS);
    await createAgent({ model, tools: fixtureTools(ran) }).withConfig({ callbacks: [new GovernanceCallbackHandler({ kernel, agent: "bot" })] }).invoke(USER);
    expect(ran).toEqual([]);
    expect(toolMessagesSeen(model).get("c2")?.content).toContain("'steer' cannot be applied by the callback handler");
    expect(toolMessagesSeen(model).get("c1")?.content).toContain("'transform' cannot be applied by the callback handler");
  });

  it("audit mode records the decision but blocks nothing", async () => {
    const ran: string[] = [];
    const { kernel, records } = kernelWith([DENY_DELETE]);
    const model = scriptedModel(DEFAULT_CALLS);
    await createAgent({ model, tools: fixtureTools(ran) }).withConfig({ callbacks: [new GovernanceCallbackHandler({ kernel, agent: "bot", mode: "audit" })] }).invoke(USER);
    expect(ran).toEqual(["delete_file:/etc/passwd", "read_file:a.txt"]);
    expect(records().find((r) => r.call_id === "c1" && r.kind === "decision")).toMatchObject({ decision: { action: "deny", matched_rule: "no-delete" }, outcome: { status: "pending" }, ext: { langchain: { mode: "audit" } } });
  });

  it("copy() keeps the kernel, agent and blocking mode", () => {
    const { kernel } = kernelWith([DENY_DELETE]);
    const handler = new GovernanceCallbackHandler({ kernel, agent: "bot" });
    const copy: unknown = handler.copy();
    expect(copy).toBeInstanceOf(GovernanceCallbackHandler);
    expect(copy).toMatchObject({ kernel, agent: "bot", raiseError: true, awaitHandlers: true });
  });

  it("post_tool: a redaction it cannot apply withholds the whole output; tool errors are recorded", async () => {
    const { kernel, records } = kernelWith([policy([{ name: "redact", stage: "post_tool", condition: "tool.name == 'read_file'", action: "transform", redact: ["output"] }])]);
    const ran: string[] = [];
    const model = scriptedModel([DEFAULT_CALLS[1]!, { id: "c3", name: "flaky", args: {} }]);
    const out = await createAgent({ model, tools: fixtureTools(ran) }).withConfig({ callbacks: [new GovernanceCallbackHandler({ kernel, agent: "bot" })] }).invoke(USER);
    expect(ran).toEqual(["read_file:a.txt", "flaky:"]);
    expect(records().find((r) => r.call_id === "c3" && r.kind === "outcome")?.outcome?.status).toBe("error");
    expect(records().find((r) => r.call_id === "c2" && r.kind === "outcome")).toMatchObject({ stage: "post_tool", decision: { action: "deny", matched_rule: "redact" } });
    expect(toolMessagesSeen(model).get("c2")).toMatchObject({ status: "error", content: expect.stringContaining("so the output is withheld") as unknown });
    expect(JSON.stringify(model.calls[1]?.messages)).not.toContain(SECRET);
    expect(finalText(out.messages)).toBe("done");
    expect(rejections).toEqual([]);
  });

  it("post_tool in audit mode: recorded as output_unenforced, nothing withheld", async () => {
    const { kernel, records } = kernelWith([policy([{ name: "withhold", stage: "post_tool", condition: "tool.name == 'read_file'", action: "deny" }])]);
    const model = scriptedModel([DEFAULT_CALLS[1]!]);
    await createAgent({ model, tools: fixtureTools([]) }).withConfig({ callbacks: [new GovernanceCallbackHandler({ kernel, agent: "bot", mode: "audit" })] }).invoke(USER);
    expect(records().find((r) => r.call_id === "c2" && r.kind === "outcome")).toMatchObject({ stage: "post_tool", ext: { langchain: { output: "output_unenforced" } } });
    expect(JSON.stringify(toolMessagesSeen(model).get("c2")?.content)).toContain(SECRET);
  });

  it("a Command result is recorded as output_unenforced; strict mode refuses it", async () => {
    const commandTool = tool((_args, config: { toolCall?: { id?: string } }) => new Command({ update: { messages: [new ToolMessage({ content: "routed", tool_call_id: config.toolCall?.id ?? "" })] } }), {
      name: "route",
      description: "returns a Command",
      schema: z.object({}),
    });
    const calls = [{ id: "c7", name: "route", args: {} }];
    const lax = kernelWith([DENY_DELETE]);
    const model = scriptedModel(calls);
    await createAgent({ model, tools: [commandTool] }).withConfig({ callbacks: [new GovernanceCallbackHandler({ kernel: lax.kernel, agent: "bot" })] }).invoke(USER);
    expect(toolMessagesSeen(model).get("c7")?.content).toBe("routed");
    expect(lax.records().find((r) => r.kind === "outcome")).toMatchObject({ call_id: "c7", ext: { langchain: { outcome: "output_unenforced", result: "Command" } } });
    const strictModel = scriptedModel(calls);
    await createAgent({ model: strictModel, tools: [commandTool] }).withConfig({ callbacks: [new GovernanceCallbackHandler({ kernel: kernelWith([DENY_DELETE]).kernel, agent: "bot", strict: true })] }).invoke(USER);
    expect(toolMessagesSeen(strictModel).get("c7")).toMatchObject({ status: "error", content: expect.stringContaining("LangGraph Command") as unknown });
  });

  it("reads the args (JSON input) for conditions", async () => {
    const ran: string[] = [];
    const { kernel } = kernelWith([policy([{ name: "no-passwd", condition: "args.path == '/etc/passwd'", action: "deny" }])]);
    await createAgent({ model: scriptedModel(DEFAULT_CALLS), tools: fixtureTools(ran) }).withConfig({ callbacks: [new GovernanceCallbackHandler({ kernel, agent: "bot" })] }).invoke(USER);
    expect(ran).toEqual(["read_file:a.txt"]);
  });
});
