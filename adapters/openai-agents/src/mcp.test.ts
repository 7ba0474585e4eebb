/** MCP servers: server-level guardrails (FRAMEWORKS.md §3.1, §3.2-5..7, §3.2-9), with an in-process server. */
import { Agent, Runner, type CallToolResultContent, type MCPServer } from "@openai/agents";
import { assistantMessage, functionCall, ScriptedModel } from "@openai/agents/testing";
import { describe, expect, it } from "vitest";
import { governAgent } from "./index.js";
import { kernelWith, laterRequests, modelSaw, SECRET } from "./testing/fixtures/helpers.js";

/** An in-process MCP server: `mcp_read`, `mcp_delete`, `mcp_struct` (structuredContent), `mcp_fail` (isError). */
function fakeServer(log: string[], useStructuredContent = false): MCPServer {
  const schema = (props: string[]) => ({ type: "object" as const, properties: Object.fromEntries(props.map((p) => [p, { type: "string" }])), required: props, additionalProperties: false });
  const call = (name: string, args: Record<string, unknown> | null) => {
    log.push(`${name}:${JSON.stringify(args)}`);
    if (name === "mcp_read") return { content: [{ type: "text", text: `value of ${String(args?.key)}: ${SECRET}` }] };
    if (name === "mcp_delete") return { content: [{ type: "text", text: "deleted" }] };
    if (name === "mcp_struct") {
      const structuredContent = { user: String(args?.user), apiKey: SECRET };
      return { content: [{ type: "text", text: JSON.stringify(structuredContent) }], structuredContent };
    }
    return { content: [{ type: "text", text: "mcp disk on fire" }], isError: true };
  };
  return {
    name: "fake",
    cacheToolsList: false,
    useStructuredContent,
    connect: () => Promise.resolve(),
    close: () => Promise.resolve(),
    invalidateToolsCache: () => Promise.resolve(),
    listTools: () =>
      Promise.resolve([
        { name: "mcp_read", description: "read", inputSchema: schema(["key"]) },
        { name: "mcp_delete", description: "delete", inputSchema: schema(["id"]) },
        { name: "mcp_struct", description: "struct", inputSchema: schema(["user"]) },
        { name: "mcp_fail", description: "fail", inputSchema: schema([]) },
      ]),
    callTool: (name, args) => {
      const r = call(name, args);
      return Promise.resolve(Object.assign(r.content, { isError: r.isError, structuredContent: r.structuredContent }) as unknown as CallToolResultContent);
    },
    callToolResult: (name, args) => {
      const r = call(name, args);
      return Promise.resolve(r as never);
    },
  };
}

async function runWith(rules: Parameters<typeof kernelWith>[0], calls: [string, Record<string, unknown>, string][], useStructuredContent = false) {
  const { kernel, records } = kernelWith(rules);
  const log: string[] = [];
  const agent = new Agent({ name: "mcp-bot", mcpServers: [fakeServer(log, useStructuredContent)] });
  governAgent(agent, { kernel });
  const model = new ScriptedModel([calls.map(([n, a, id]) => functionCall(n, a, { callId: id })), [assistantMessage("done")]]);
  const result = await new Runner({ model, tracingDisabled: true }).run(agent, "go");
  return { log, model, records, final: result.finalOutput };
}

describe("MCP servers", () => {
  it("a denied MCP call never reaches the server; an allowed one does, with tool.server set", async () => {
    const { log, model, records, final } = await runWith([{ name: "no-delete", condition: "tool.name == 'mcp_delete' && tool.server == 'fake'", action: "deny", message: "no" }], [
      ["mcp_delete", { id: "x" }, "c4"],
      ["mcp_read", { key: "k" }, "c5"],
    ]);
    expect(final).toBe("done");
    expect(log).toEqual(['mcp_read:{"key":"k"}']);
    expect(modelSaw(model).get("c4")?.text).toBe("denied by policy (p/no-delete): no");
    expect(records().filter((r) => r.call_id === "c5").map((r) => r.kind)).toEqual(["decision", "outcome"]);
  });

  it("output redaction reaches MCP content, and structuredContent with useStructuredContent off and on", async () => {
    for (const structured of [false, true]) {
      const { model, log } = await runWith(
        [
          { name: "redact-reads", stage: "post_tool", condition: "tool.name == 'mcp_read'", action: "transform", redact: ["output"] },
          { name: "redact-struct", stage: "post_tool", condition: "tool.name == 'mcp_struct'", action: "transform", redact: ["output.structuredContent.apiKey"] },
        ],
        [
          ["mcp_read", { key: "k" }, "c5"],
          ["mcp_struct", { user: "ann" }, "c6"],
        ],
        structured,
      );
      expect(log).toHaveLength(2);
      expect(modelSaw(model).get("c5")?.text).toBe("[REDACTED]");
      expect(modelSaw(model).get("c6")?.text).toContain("ann");
      expect(laterRequests(model)).not.toContain(SECRET);
    }
  });

  it("a transform that sets MCP args cannot be applied: denied (transform_unsupported), the server never called", async () => {
    const { log, model, records } = await runWith([{ name: "rewrite", condition: "tool.name == 'mcp_read'", action: "transform", set: { "args.key": "safe" } }], [["mcp_read", { key: "k" }, "c5"]]);
    expect(log).toEqual([]);
    expect(modelSaw(model).get("c5")?.text).toContain("transform_unsupported");
    expect(records().find((r) => r.kind === "outcome")?.outcome?.status).toBe("error");
  });

  it("an isError result reaches the model unchanged and is audited as an error", async () => {
    const { model, records, final } = await runWith([], [["mcp_fail", {}, "c7"]]);
    expect(final).toBe("done");
    expect(modelSaw(model).get("c7")?.text).toContain("mcp disk on fire");
    expect(records().find((r) => r.kind === "outcome")?.outcome).toMatchObject({ status: "error", error: { message: "mcp disk on fire" } });
  });

  it("governing twice attaches the server guardrails once", async () => {
    const { kernel, records } = kernelWith([]);
    const log: string[] = [];
    const server = fakeServer(log);
    const agent = new Agent({ name: "mcp-bot", mcpServers: [server] });
    governAgent(agent, { kernel });
    governAgent(agent, { kernel });
    expect(server.toolInputGuardrails).toHaveLength(1);
    expect(server.toolOutputGuardrails).toHaveLength(1);
    const model = new ScriptedModel([[functionCall("mcp_read", { key: "k" }, { callId: "c5" })], [assistantMessage("done")]]);
    await new Runner({ model, tracingDisabled: true }).run(agent, "go");
    expect(log).toHaveLength(1);
    expect(records().filter((r) => r.kind === "decision")).toHaveLength(1);
  });

  it("steer on MCP output appends the reason", async () => {
    const { model } = await runWith([{ name: "steer", condition: "tool.name == 'mcp_delete'", action: "steer", message: "ask first next time" }], [["mcp_delete", { id: "x" }, "c4"]]);
    expect(modelSaw(model).get("c4")?.text).toBe("deleted\n\n[agentgov] ask first next time");
  });
});
