import { isAgentGovError, renderDenial } from "@agentgov/core";
import { Command, MemorySaver, interrupt } from "@langchain/langgraph";
import { ToolMessage } from "@langchain/core/messages";
import { createAgent, createMiddleware, tool } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { governanceMiddleware } from "./index.js";
import { CONFIG, DEFAULT_CALLS, DENY_DELETE, SECRET, USER, finalText, fixtureTools, kernelWith, policy, scriptedModel, toolMessagesSeen } from "./testing/fixtures/agent.js";

const denialText = renderDenial({ policy: "test", matched_rule: "no-delete", code: "rule", reason: "deleting files is not allowed" });

describe("governanceMiddleware in the real createAgent loop", () => {
  it("deny: the body never runs, the model sees the shared denial text as an error ToolMessage, the loop continues", async () => {
    const ran: string[] = [];
    const { kernel, records } = kernelWith([DENY_DELETE]);
    const model = scriptedModel(DEFAULT_CALLS);
    const agent = createAgent({ model, tools: fixtureTools(ran), middleware: [governanceMiddleware({ kernel, agent: "bot" })] });
    const out = await agent.invoke(USER, CONFIG);
    expect(ran).toEqual(["read_file:a.txt"]);
    const seen = toolMessagesSeen(model);
    expect(seen.get("c1")).toMatchObject({ content: denialText, status: "error", name: "delete_file" });
    expect(seen.get("c2")?.content).toContain("contents of a.txt");
    expect(finalText(out.messages)).toBe("done");
    const c1 = records().filter((r) => r.call_id === "c1");
    expect(c1).toHaveLength(1);
    expect(c1[0]).toMatchObject({ agent: "bot", stage: "pre_tool", tool: "delete_file", run_id: "thread-1", kind: "decision", outcome: { status: "denied" } });
    expect(records().filter((r) => r.call_id === "c2").map((r) => [r.kind, r.outcome?.status])).toEqual([["decision", "pending"], ["outcome", "ok"]]);
  });

  it("a throwing tool keeps LangChain's default feedback (byte-identical to no middleware) instead of aborting the run", async () => {
    const calls = [{ id: "c3", name: "flaky", args: {} }];
    const bare = scriptedModel(calls);
    await createAgent({ model: bare, tools: fixtureTools([]) }).invoke(USER);
    const expected = toolMessagesSeen(bare).get("c3");
    expect(expected).toMatchObject({ content: "Error: disk on fire\n Please fix your mistakes.", status: "error" });

    const { kernel, records } = kernelWith([DENY_DELETE]);
    const model = scriptedModel(calls);
    const out = await createAgent({ model, tools: fixtureTools([]), middleware: [governanceMiddleware({ kernel, agent: "bot" })] }).invoke(USER);
    expect(toolMessagesSeen(model).get("c3")).toMatchObject({ content: expected?.content, status: "error" });
    expect(finalText(out.messages)).toBe("done");
    expect(records().find((r) => r.call_id === "c3" && r.kind === "outcome")?.outcome).toMatchObject({ status: "error", error: { message: "disk on fire" } });
  });

  it("pitfall 2.2-1 holds: a pass-through wrapToolCall alone aborts the run on a tool error", async () => {
    const passThrough = createMiddleware({ name: "pass", wrapToolCall: (request, handler) => handler(request) });
    const agent = createAgent({ model: scriptedModel([{ id: "c3", name: "flaky", args: {} }]), tools: fixtureTools([]), middleware: [passThrough] });
    await expect(agent.invoke(USER)).rejects.toThrow("disk on fire");
  });

  it("transform: the body runs with the rewritten args; the audit keeps the original digest", async () => {
    const ran: string[] = [];
    const { kernel, records } = kernelWith([policy([{ name: "sandbox", condition: "tool.name == 'read_file'", action: "transform", set: { "args.path": "/sandbox/a.txt" } }])]);
    const model = scriptedModel([{ id: "c2", name: "read_file", args: { path: "a.txt" } }]);
    await createAgent({ model, tools: fixtureTools(ran), middleware: [governanceMiddleware({ kernel, agent: "bot" })] }).invoke(USER);
    expect(ran).toEqual(["read_file:/sandbox/a.txt"]);
    expect(records()[0]).toMatchObject({ decision: { action: "transform", matched_rule: "sandbox" }, args: { path: "a.txt" } });
  });

  it("steer: the output is followed by the reason", async () => {
    const { kernel } = kernelWith([policy([{ name: "steer", condition: "tool.name == 'read_file'", action: "steer", message: "prefer the cache" }])]);
    const model = scriptedModel([{ id: "c2", name: "read_file", args: { path: "a.txt" } }]);
    await createAgent({ model, tools: fixtureTools([]), middleware: [governanceMiddleware({ kernel, agent: "bot" })] }).invoke(USER);
    expect(toolMessagesSeen(model).get("c2")?.content).toBe(`contents of a.txt: key=${SECRET}\n\n[agentgov] prefer the cache`);
  });

  it("post_tool redaction and withholding reach the model", async () => {
    const { kernel } = kernelWith([
      policy([
        { name: "redact", stage: "post_tool", condition: "tool.name == 'read_file'", action: "transform", redact: ["output"] },
        { name: "withhold", stage: "post_tool", condition: "tool.name == 'delete_file'", action: "deny", message: "output withheld" },
      ]),
    ]);
    const ran: string[] = [];
    const model = scriptedModel(DEFAULT_CALLS);
    await createAgent({ model, tools: fixtureTools(ran), middleware: [governanceMiddleware({ kernel, agent: "bot" })] }).invoke(USER);
    const seen = toolMessagesSeen(model);
    expect(ran).toEqual(["delete_file:/etc/passwd", "read_file:a.txt"]);
    expect(seen.get("c1")).toMatchObject({ content: renderDenial({ policy: "test", matched_rule: "withhold", code: "rule", reason: "output withheld" }), status: "error" });
    expect(seen.get("c2")?.content).toBe("[REDACTED]");
  });

  it("MCP-shaped structured output: the secret is redacted from content and artifact", async () => {
    const struct = { user: "ann", apiKey: SECRET };
    const mcpLike = tool(
      () => [JSON.stringify({ type: "text", text: JSON.stringify(struct), structuredContent: struct }), [{ type: "mcp_structured_content", data: struct }]],
      { name: "mcp_struct", description: "structured", schema: z.object({ user: z.string() }), responseFormat: "content_and_artifact" },
    );
    const { kernel } = kernelWith([policy([{ name: "redact", stage: "post_tool", condition: "tool.name == 'mcp_struct'", action: "transform", redact: ["output.structuredContent.apiKey"] }])]);
    const model = scriptedModel([{ id: "c6", name: "mcp_struct", args: { user: "ann" } }]);
    const out = await createAgent({ model, tools: [mcpLike], middleware: [governanceMiddleware({ kernel, agent: "bot" })] }).invoke(USER);
    const message = out.messages.find((m) => ToolMessage.isInstance(m));
    expect(JSON.stringify(message?.content)).toContain("ann");
    expect(JSON.stringify(message?.content)).not.toContain(SECRET);
    expect(message && ToolMessage.isInstance(message) ? message.artifact : undefined).toEqual([{ type: "mcp_structured_content", data: { user: "ann", apiKey: "[REDACTED]" } }]);
    expect(JSON.stringify(model.calls[1]?.messages)).not.toContain(SECRET);
  });

  it("require_approval: no handler denies (approval_required); an approving handler runs the body", async () => {
    const rules = [policy([{ name: "approve", condition: "tool.name == 'read_file'", action: "require_approval", approvers: ["ops"] }])];
    const calls = [{ id: "c2", name: "read_file", args: { path: "a.txt" } }];
    const ran: string[] = [];
    const denied = scriptedModel(calls);
    await createAgent({ model: denied, tools: fixtureTools(ran), middleware: [governanceMiddleware({ kernel: kernelWith(rules).kernel, agent: "bot" })] }).invoke(USER);
    expect(ran).toEqual([]);
    expect(toolMessagesSeen(denied).get("c2")?.content).toContain("approval_required");
    const approved = scriptedModel(calls);
    const { kernel } = kernelWith(rules, { approvals: () => Promise.resolve({ approved: true, approvers: ["ann"] }) });
    await createAgent({ model: approved, tools: fixtureTools(ran), middleware: [governanceMiddleware({ kernel, agent: "bot" })] }).invoke(USER);
    expect(ran).toEqual(["read_file:a.txt"]);
  });

  it("onDeny throw rejects the run with GovernanceDenied and the body never runs", async () => {
    const ran: string[] = [];
    const { kernel } = kernelWith([DENY_DELETE]);
    const agent = createAgent({ model: scriptedModel([DEFAULT_CALLS[0]!]), tools: fixtureTools(ran), middleware: [governanceMiddleware({ kernel, agent: "bot", onDeny: "throw" })] });
    const error: unknown = await agent.invoke(USER).then(
      () => undefined,
      (e: unknown) => e,
    );
    // LangChain wraps it in a MiddlewareError whose cause is the GovernanceDenied.
    expect(error).toMatchObject({ cause: { decision: { matched_rule: "no-delete" } } });
    expect(isAgentGovError((error as { cause?: unknown }).cause)).toBe(true);
    expect(ran).toEqual([]);
  });

  it("fails closed: a kernel that throws becomes a deny ToolMessage with internal_error, never a run abort", async () => {
    const ran: string[] = [];
    const { kernel } = kernelWith([DENY_DELETE]);
    const broken = { ...kernel, enforce: () => Promise.reject(new TypeError("kernel exploded")) } as typeof kernel;
    const model = scriptedModel(DEFAULT_CALLS);
    const out = await createAgent({ model, tools: fixtureTools(ran), middleware: [governanceMiddleware({ kernel: broken, agent: "bot" })] }).invoke(USER);
    expect(ran).toEqual([]);
    expect(toolMessagesSeen(model).get("c2")).toMatchObject({ status: "error", content: expect.stringContaining("(internal_error)") as unknown });
    expect(finalText(out.messages)).toBe("done");
  });

  it("a tool returning a Command passes through, audited as output_unenforced; strict mode refuses it", async () => {
    const commandTool = tool((_args, config: { toolCall?: { id?: string } }) => new Command({ update: { messages: [new ToolMessage({ content: "routed", tool_call_id: config.toolCall?.id ?? "" })] } }), {
      name: "route",
      description: "returns a Command",
      schema: z.object({}),
    });
    const calls = [{ id: "c7", name: "route", args: {} }];
    const lax = kernelWith([DENY_DELETE]);
    const model = scriptedModel(calls);
    await createAgent({ model, tools: [commandTool], middleware: [governanceMiddleware({ kernel: lax.kernel, agent: "bot" })] }).invoke(USER);
    expect(toolMessagesSeen(model).get("c7")?.content).toBe("routed");
    expect(lax.records().find((r) => r.ext !== undefined)).toMatchObject({ call_id: "c7", ext: { langchain: { outcome: "output_unenforced", result: "Command" } } });

    const strict = kernelWith([DENY_DELETE]);
    const strictModel = scriptedModel(calls);
    await createAgent({ model: strictModel, tools: [commandTool], middleware: [governanceMiddleware({ kernel: strict.kernel, agent: "bot", strict: true })] }).invoke(USER);
    expect(toolMessagesSeen(strictModel).get("c7")).toMatchObject({ status: "error", content: expect.stringContaining("LangGraph Command") as unknown });
  });

  it("streaming: stream(updates) and streamEvents(v2) go through the middleware; a denied call emits no on_tool_start", async () => {
    const ran: string[] = [];
    const { kernel } = kernelWith([DENY_DELETE]);
    const model = scriptedModel(DEFAULT_CALLS);
    const agent = createAgent({ model, tools: fixtureTools(ran), middleware: [governanceMiddleware({ kernel, agent: "bot" })] });
    const started: string[] = [];
    for await (const event of agent.streamEvents(USER, { ...CONFIG, version: "v2" })) if (event.event === "on_tool_start") started.push(event.name);
    expect(started).toEqual(["read_file"]);
    expect(ran).toEqual(["read_file:a.txt"]);
    expect(toolMessagesSeen(model).get("c1")?.content).toBe(denialText);

    const model2 = scriptedModel(DEFAULT_CALLS);
    const agent2 = createAgent({ model: model2, tools: fixtureTools(ran), middleware: [governanceMiddleware({ kernel, agent: "bot" })] });
    for await (const _chunk of await agent2.stream(USER, { ...CONFIG, streamMode: "updates" })) {
      // drain
    }
    expect(toolMessagesSeen(model2).get("c1")?.content).toBe(denialText);
    expect(ran).toEqual(["read_file:a.txt", "read_file:a.txt"]);
  });

  it("an interrupt() inside an allowed tool still pauses the run (not turned into a tool error)", async () => {
    const asks = tool(() => interrupt<string, string>("approve?"), { name: "asks", description: "interrupts", schema: z.object({}) });
    const { kernel } = kernelWith([DENY_DELETE]);
    const agent = createAgent({ model: scriptedModel([{ id: "c9", name: "asks", args: {} }]), tools: [asks], middleware: [governanceMiddleware({ kernel, agent: "bot" })], checkpointer: new MemorySaver() });
    const out = await agent.invoke(USER, CONFIG);
    expect(JSON.stringify((out as { __interrupt__?: unknown }).__interrupt__)).toContain("approve?");
  });

  it("builds its own kernel from `policy`", async () => {
    const ran: string[] = [];
    const model = scriptedModel(DEFAULT_CALLS);
    await createAgent({ model, tools: fixtureTools(ran), middleware: [governanceMiddleware({ policy: DENY_DELETE, agent: "bot" })] }).invoke(USER);
    expect(ran).toEqual(["read_file:a.txt"]);
  });
});
