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
import { Command } from "@langchain/langgraph";
import { fakeModel } from "@langchain/core/testing";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { loadMcpTools } from "@langchain/mcp-adapters";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createAgent, tool } from "langchain";
import { z } from "zod";
import type { AdapterDriver, DelegationResult, DriverResult, ModelSaw, UngovernedResult } from "../contract/types.js";
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

/** The fixture tools as LangChain tools, each body pushing to `ran`. */
function fixtureTools(ran: string[]): StructuredToolInterface[] {
  return FIXTURE_TOOLS.map((f) => tool((args: Record<string, unknown>) => f.body(args, ran), { name: f.name, description: f.description, schema: f.schema }));
}

/** The tool results in the model's later requests (its second one onward), by call id. */
function toolResultsSeen(model: ReturnType<typeof fakeModel>): ModelSaw[] {
  const saw: ModelSaw[] = [];
  for (const t of model.calls.slice(1).flatMap((c) => c.messages)) {
    if (!ToolMessage.isInstance(t)) continue;
    const entry: ModelSaw = { callId: t.tool_call_id, text: contentText(t.content) };
    if (t.status === "error") entry.isError = true;
    saw.push(entry);
  }
  return saw;
}

const USER = { messages: [{ role: "user", content: "go" }] };

export const langchainDriver: AdapterDriver = {
  name: "langchain",
  supports: { stream: true, mcp: true, throwMode: true },
  async run(input): Promise<DriverResult> {
    const ran: string[] = [];
    const tools = fixtureTools(ran);
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
      const state = USER;
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
    result.modelSaw = toolResultsSeen(model);
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

  /**
   * C13: the sub-agent is a `createAgent` of its own (own `fakeModel()`, the fixture tools,
   * `governanceMiddleware` over the same kernel) behind the parent's `ask_specialist` tool.
   */
  async delegation(input): Promise<DelegationResult> {
    const ran: string[] = [];
    const options = { kernel: input.kernel, agent: input.agent } as const;
    const subModel = fakeModel()
      .respondWithTools([{ name: "delete_file", args: { path: "/etc/passwd" }, id: "s1" }])
      .respond(new AIMessage("specialist done"));
    const specialist = createAgent({ model: subModel, tools: fixtureTools(ran), middleware: [governanceMiddleware(options)] });
    const askSpecialist = tool(
      async ({ question }: { question: string }) => {
        const out = await specialist.invoke({ messages: [{ role: "user", content: question }] });
        return contentText(out.messages.at(-1)?.content ?? "");
      },
      { name: "ask_specialist", description: "Ask the specialist sub-agent", schema: z.object({ question: z.string() }) },
    );
    const model = fakeModel()
      .respondWithTools([{ name: "ask_specialist", args: { question: "help" }, id: "d1" }])
      .respond(new AIMessage("done"));
    const parent = createAgent({ model, tools: [askSpecialist], middleware: [governanceMiddleware(options)] });
    await parent.invoke(USER, { configurable: { thread_id: "thread-delegation" } });
    return { subAgentModelCalls: subModel.calls.length, ran, modelSaw: toolResultsSeen(model) };
  },

  /**
   * C16: a tool returning a LangGraph `Command`. The middleware passes it through audited as
   * `output_unenforced`; `strict: true` refuses it as a denial, which reaches the caller
   * according to `onDeny`. With the default `onDeny: "result"` a strict refusal is only an error
   * `ToolMessage` the model sees, so both runs use `onDeny: "throw"`: the same run passes the
   * Command through without `strict` and rejects (with the refusal's `GovernanceDenied` as the
   * `MiddlewareError`'s cause) with it.
   */
  async ungoverned(input): Promise<UngovernedResult> {
    const route = tool(
      (_args: Record<string, never>, config: { toolCall?: { id?: string } }) =>
        new Command({ update: { messages: [new ToolMessage({ content: "routed", tool_call_id: config.toolCall?.id ?? "" })] } }),
      { name: "route", description: "Returns a LangGraph Command", schema: z.object({}) },
    );
    const model = fakeModel()
      .respondWithTools([{ name: "route", args: {}, id: "u1" }])
      .respond(new AIMessage("done"));
    const middleware = governanceMiddleware({ kernel: input.kernel, agent: input.agent, strict: input.strict, onDeny: "throw" });
    const agent = createAgent({ model, tools: [route], middleware: [middleware] });
    try {
      await agent.invoke(USER, { configurable: { thread_id: "thread-ungoverned" } });
      return {};
    } catch (error) {
      return { error };
    }
  },
};
