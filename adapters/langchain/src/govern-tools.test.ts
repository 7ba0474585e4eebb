import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GOVERNED, isAgentGovError, renderDenial } from "@agentgov/core";
import { ToolMessage } from "@langchain/core/messages";
import { StructuredTool } from "@langchain/core/tools";
import { MultiServerMCPClient } from "@langchain/mcp-adapters";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { governanceMiddleware, governTools } from "./index.js";
import { CONFIG, DEFAULT_CALLS, DENY_DELETE, SECRET, USER, finalText, fixtureTools, kernelWith, policy, scriptedModel, toolMessagesSeen } from "./testing/fixtures/agent.js";

interface Invokable {
  invoke(input: unknown, config?: unknown): Promise<unknown>;
}
const invokable = (tools: readonly unknown[]): Invokable[] => tools as Invokable[];

const denialText = renderDenial({ policy: "test", matched_rule: "no-delete", code: "rule", reason: "deleting files is not allowed" });

describe("governTools", () => {
  it("keeps instanceof, name and schema; governing twice returns the same proxies", () => {
    const { kernel } = kernelWith([DENY_DELETE]);
    const tools = fixtureTools([]);
    const governed = governTools(tools, { kernel, agent: "bot" });
    expect(governed[0]).toBeInstanceOf(StructuredTool);
    expect(governed.map((t) => t.name)).toEqual(["read_file", "delete_file", "flaky"]);
    expect(governed[0]?.schema).toBe(tools[0]?.schema);
    expect((governed[0] as unknown as Record<symbol, unknown>)[GOVERNED]).toBe(true);
    const twice = governTools(governed, { kernel, agent: "bot" });
    expect(twice[0]).toBe(governed[0]);
  });

  it("direct invoke(args): the value, or the denial text; tool errors are rethrown unchanged", async () => {
    const ran: string[] = [];
    const { kernel, records } = kernelWith([DENY_DELETE]);
    const [read, del, flaky] = invokable(governTools(fixtureTools(ran), { kernel, agent: "bot", runId: "run-9" }));
    expect(await read!.invoke({ path: "a.txt" })).toBe(`contents of a.txt: key=${SECRET}`);
    expect(await del!.invoke({ path: "/etc/passwd" })).toBe(denialText);
    await expect(flaky!.invoke({})).rejects.toThrow("disk on fire");
    expect(ran).toEqual(["read_file:a.txt", "flaky:"]);
    expect(records().every((r) => r.run_id === "run-9")).toBe(true);
  });

  it("onDeny throw: a direct invoke throws GovernanceDenied", async () => {
    const ran: string[] = [];
    const [, del] = invokable(governTools(fixtureTools(ran), { kernel: kernelWith([DENY_DELETE]).kernel, agent: "bot", onDeny: "throw" }));
    const error: unknown = await del!.invoke({ path: "/x" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAgentGovError(error)).toBe(true);
    expect(ran).toEqual([]);
  });

  it("ToolNode input shape: a ToolMessage back, an error ToolMessage on deny, the call id in the audit", async () => {
    const ran: string[] = [];
    const { kernel, records } = kernelWith([DENY_DELETE]);
    const [read, del] = invokable(governTools(fixtureTools(ran), { kernel, agent: "bot" }));
    const ok: unknown = await read!.invoke({ id: "t1", name: "read_file", args: { path: "a.txt" }, type: "tool_call" });
    expect(ToolMessage.isInstance(ok)).toBe(true);
    expect(ok).toMatchObject({ tool_call_id: "t1", content: `contents of a.txt: key=${SECRET}` });
    const denied: unknown = await del!.invoke({ id: "t2", name: "delete_file", args: { path: "/etc/passwd" }, type: "tool_call" });
    expect(denied).toMatchObject({ tool_call_id: "t2", content: denialText, status: "error" });
    expect(ran).toEqual(["read_file:a.txt"]);
    expect(records().map((r) => r.call_id)).toEqual(["t1", "t1", "t2"]);
  });

  it("in createAgent without middleware: denials are soft and tool errors keep the ToolNode default", async () => {
    const ran: string[] = [];
    const { kernel } = kernelWith([DENY_DELETE]);
    const model = scriptedModel([...DEFAULT_CALLS, { id: "c3", name: "flaky", args: {} }]);
    const out = await createAgent({ model, tools: governTools(fixtureTools(ran), { kernel, agent: "bot" }) }).invoke(USER, CONFIG);
    const seen = toolMessagesSeen(model);
    expect(seen.get("c1")).toMatchObject({ content: denialText, status: "error" });
    expect(seen.get("c3")).toMatchObject({ content: "Error: disk on fire\n Please fix your mistakes.", status: "error" });
    expect(ran).toEqual(["read_file:a.txt", "flaky:"]);
    expect(finalText(out.messages)).toBe("done");
  });

  it("onDeny throw under createAgent's ToolNode: ToolNode's default error handler turns the throw into an error ToolMessage", async () => {
    const ran: string[] = [];
    const model = scriptedModel([DEFAULT_CALLS[0]!]);
    const tools = governTools(fixtureTools(ran), { kernel: kernelWith([DENY_DELETE]).kernel, agent: "bot", onDeny: "throw" });
    const out = await createAgent({ model, tools }).invoke(USER);
    expect(ran).toEqual([]);
    expect(toolMessagesSeen(model).get("c1")).toMatchObject({ status: "error", content: expect.stringContaining("GovernanceDenied: Denied by rule 'no-delete'") as unknown });
    expect(finalText(out.messages)).toBe("done");
  });

  it("with the middleware too: one decision per call (the middleware defers to the governed tool)", async () => {
    const ran: string[] = [];
    const { kernel, records } = kernelWith([DENY_DELETE]);
    const model = scriptedModel([...DEFAULT_CALLS, { id: "c3", name: "flaky", args: {} }]);
    const out = await createAgent({ model, tools: governTools(fixtureTools(ran), { kernel, agent: "bot" }), middleware: [governanceMiddleware({ kernel, agent: "bot" })] }).invoke(USER, CONFIG);
    expect(records().filter((r) => r.kind === "decision").map((r) => r.call_id)).toEqual(["c1", "c2", "c3"]);
    expect(toolMessagesSeen(model).get("c3")?.content).toBe("Error: disk on fire\n Please fix your mistakes.");
    expect(finalText(out.messages)).toBe("done");
  });
});

describe("governTools on real MCP tools (stdio fixture server)", () => {
  const server = fileURLToPath(new URL("../../../test/adapters/fixtures/mcp-server.mjs", import.meta.url));
  let dir: string;
  let client: MultiServerMCPClient;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "agentgov-lc-"));
    client = new MultiServerMCPClient({ mcpServers: { fixture: { transport: "stdio", command: process.execPath, args: [server], env: { MCP_LOG: join(dir, "log") } } } });
  });
  afterAll(async () => {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a denied MCP call never reaches the server; structured output is redacted in content and artifact; MCP errors reach the model", async () => {
    const mcpTools = await client.getTools();
    const names = mcpTools.map((t) => t.name);
    expect(names).toContain("mcp_delete");
    const name = (suffix: string) => names.find((n) => n.endsWith(suffix)) ?? suffix;
    const { kernel, records } = kernelWith([
      policy([
        { name: "no-delete", condition: `tool.name == '${name("mcp_delete")}' && tool.server == 'fixture'`, action: "deny", message: "deleting files is not allowed" },
        { name: "redact", stage: "post_tool", condition: `tool.name == '${name("mcp_struct")}'`, action: "transform", redact: ["output.structuredContent.apiKey"] },
      ]),
    ]);
    const model = scriptedModel([
      { id: "c4", name: name("mcp_delete"), args: { id: "x" } },
      { id: "c6", name: name("mcp_struct"), args: { user: "ann" } },
      { id: "c8", name: name("mcp_fail"), args: {} },
    ]);
    const out = await createAgent({ model, tools: governTools(mcpTools, { kernel, agent: "bot", server: "fixture" }) }).invoke(USER);
    const log = readFileSync(join(dir, "log"), "utf8");
    expect(log).not.toContain("mcp_delete");
    expect(log).toContain("mcp_struct");
    const seen = toolMessagesSeen(model);
    expect(seen.get("c4")?.content).toBe(denialText);
    expect(JSON.stringify(seen.get("c6")?.content)).toContain("ann");
    expect(JSON.stringify(model.calls[1]?.messages)).not.toContain(SECRET);
    const struct = out.messages.find((m) => ToolMessage.isInstance(m) && m.tool_call_id === "c6");
    expect(JSON.stringify(struct && ToolMessage.isInstance(struct) ? struct.artifact : null)).toContain("[REDACTED]");
    expect(JSON.stringify(struct && ToolMessage.isInstance(struct) ? struct.artifact : null)).not.toContain(SECRET);
    expect(seen.get("c8")).toMatchObject({ status: "error", content: expect.stringContaining("mcp disk on fire") as unknown });
    expect(records().find((r) => r.call_id === "c8" && r.kind === "outcome")?.outcome?.status).toBe("error");
    expect(JSON.stringify(records())).not.toContain(SECRET);
  });
});
