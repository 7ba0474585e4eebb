/**
 * The LangChain driver: the real `createAgent` loop with `governanceMiddleware`, driven by
 * `fakeModel()` (FRAMEWORKS.md §2.3), the fixture tools as LangChain tools and, for MCP
 * scenarios, the real stdio fixture server through `@langchain/mcp-adapters`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { governanceMiddleware, governTools } from "@agentgov/langchain";
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { loadMcpTools } from "@langchain/mcp-adapters";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createAgent, tool } from "langchain";
import type { AdapterDriver, DriverResult, ModelSaw } from "../contract/types.js";
import { FIXTURE_TOOLS } from "../fixtures/tools.js";

const MCP_SERVER = fileURLToPath(new URL("../fixtures/mcp-server.mjs", import.meta.url));

/** The text of a message's content, as the model receives it (blocks joined). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((b: unknown) => (typeof b === "object" && b !== null && typeof (b as { text?: unknown }).text === "string" ? (b as { text: string }).text : JSON.stringify(b))).join("");
  }
  return JSON.stringify(content);
}

export const langchainDriver: AdapterDriver = {
  name: "langchain",
  supports: { stream: true, mcp: true, throwMode: true },
  async run(input): Promise<DriverResult> {
    const ran: string[] = [];
    const tools: StructuredToolInterface[] = FIXTURE_TOOLS.map((f) =>
      tool((args: Record<string, unknown>) => f.body(args, ran), { name: f.name, description: f.description, schema: f.schema }),
    );
    let client: Client | undefined;
    let logDir: string | undefined;
    if (input.mcp === true) {
      logDir = mkdtempSync(join(tmpdir(), "agentgov-lc-mcp-"));
      client = new Client({ name: "agentgov-contract", version: "1.0.0" });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [MCP_SERVER], env: { MCP_LOG: join(logDir, "log") }, stderr: "ignore" }));
      tools.push(...(await loadMcpTools("fixture", client)));
    }
    const model = fakeModel()
      .respondWithTools(input.calls.map((c) => ({ name: c.name, args: c.args, id: c.id })))
      .respond(new AIMessage("done"));
    const options = { kernel: input.kernel, agent: input.agent, onDeny: input.onDeny ?? "result" } as const;
    // createAgent refuses two middlewares of one name, so "governing twice" here is the
    // middleware plus governTools applied twice to the same tools: still one decision per call.
    const agentTools = input.governTwice === true ? governTools(governTools(tools, options), options) : tools;
    const agent = createAgent({ model, tools: agentTools, middleware: [governanceMiddleware(options)] });
    const result: DriverResult = { ran, modelSaw: [], audit: [], modelRequests: "" };
    try {
      const state = { messages: [{ role: "user", content: "go" }] };
      const config = { configurable: { thread_id: "thread-1" } };
      let messages: BaseMessage[] = [];
      if (input.stream === true) {
        for await (const chunk of await agent.stream(state, { ...config, streamMode: "updates" })) {
          for (const update of Object.values(chunk as Record<string, { messages?: BaseMessage[] } | undefined>)) messages.push(...(update?.messages ?? []));
        }
      } else {
        messages = (await agent.invoke(state, config)).messages;
      }
      const last = messages.at(-1);
      if (last !== undefined && last.type === "ai") result.final = contentText(last.content);
    } catch (error) {
      result.error = error;
    } finally {
      await client?.close();
    }
    const later = model.calls.slice(1).flatMap((c) => c.messages);
    const saw: ModelSaw[] = [];
    for (const t of later) {
      if (!ToolMessage.isInstance(t)) continue;
      const entry: ModelSaw = { callId: t.tool_call_id, text: contentText(t.content) };
      if (t.status === "error") entry.isError = true;
      saw.push(entry);
    }
    result.modelSaw = saw;
    result.modelRequests = JSON.stringify(later.map((m) => ({ type: m.type, content: m.content, artifact: ToolMessage.isInstance(m) ? (m.artifact as unknown) : undefined, message: m })));
    if (logDir !== undefined) {
      try {
        result.serverLog = readFileSync(join(logDir, "log"), "utf8").split("\n").filter((l) => l !== "");
      } catch {
        result.serverLog = [];
      }
      rmSync(logDir, { recursive: true, force: true });
    }
    return result;
  },
};
