/**
 * The OpenAI Agents SDK driver of the adapter contract (FRAMEWORKS.md §3.3, §5): the real
 * `Runner` loop, driven by the SDK's own `ScriptedModel`, with the fixture tools as real
 * `tool()`s and, for MCP scenarios, the real stdio fixture server through `MCPServerStdio`.
 * What the model saw is read from its second request (`function_call_result` items).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AuditRecord } from "@agentgov/core/audit";
import { governAgent, reportToolErrors } from "@agentgov/openai-agents";
import { Agent, MCPServerStdio, Runner, tool, webSearchTool, type FunctionTool } from "@openai/agents";
import { assistantMessage, functionCall, ScriptedModel } from "@openai/agents/testing";
import type { AdapterDriver, DelegationInput, DelegationResult, DriverInput, DriverResult, ModelSaw, UngovernedInput, UngovernedResult } from "../contract/types.js";
import { FIXTURE_TOOLS } from "../fixtures/tools.js";

/** The stdio MCP fixture server. */
export const MCP_SERVER_PATH = fileURLToPath(new URL("../fixtures/mcp-server.mjs", import.meta.url));

/** The fixture tools as OpenAI Agents SDK function tools, pushing to `ran`. */
export function fixtureTools(ran: string[]): FunctionTool[] {
  return FIXTURE_TOOLS.map((t) =>
    tool({
      name: t.name,
      description: t.description,
      parameters: t.schema,
      execute: (args) => t.body(args, ran),
      // The SDK's default shows the model a fixed text and swallows the error (FRAMEWORKS.md
      // §3.2-8); reportToolErrors() shows the message and lets the audit record the error.
      errorFunction: reportToolErrors(),
    }) as unknown as FunctionTool,
  );
}

/** Text of one tool result item as the model received it. */
export function resultText(output: unknown): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) return output.map(resultText).join("\n");
  if (typeof output === "object" && output !== null) {
    const o = output as Record<string, unknown>;
    if (typeof o.text === "string") return o.text;
  }
  return JSON.stringify(output);
}

/** Tool results in the model's request `index` (default: the second), by call id. */
export function modelSawIn(model: ScriptedModel, index = 1): ModelSaw[] {
  const request = model.calls[index]?.request;
  const items = Array.isArray(request?.input) ? (request.input as unknown[]) : [];
  return items
    .filter((i): i is { type: string; callId: string; output: unknown } => typeof i === "object" && i !== null && (i as { type?: unknown }).type === "function_call_result")
    .map((i) => ({ callId: i.callId, text: resultText(i.output) }));
}

/** Options beyond the contract's input (extra OpenAI-specific checks). */
export interface OpenAIDriverExtras {
  /** MCPServerStdio's `useStructuredContent` (default false). */
  useStructuredContent?: boolean;
}

async function run(input: DriverInput, extras: OpenAIDriverExtras = {}): Promise<DriverResult> {
  const ran: string[] = [];
  let server: MCPServerStdio | undefined;
  let logDir: string | undefined;
  let logFile: string | undefined;
  if (input.mcp === true) {
    logDir = mkdtempSync(join(tmpdir(), "agentgov-oa-mcp-"));
    logFile = join(logDir, "calls.log");
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (typeof v === "string") env[k] = v;
    env.MCP_LOG = logFile;
    server = new MCPServerStdio({ name: "fixture", command: process.execPath, args: [MCP_SERVER_PATH], env, useStructuredContent: extras.useStructuredContent === true });
    await server.connect();
  }
  try {
    const agent = new Agent({ name: input.agent, instructions: "contract", tools: fixtureTools(ran), mcpServers: server === undefined ? [] : [server] });
    const options = { kernel: input.kernel, onDeny: input.onDeny ?? "result" } as const;
    governAgent(agent, options);
    if (input.governTwice === true) governAgent(agent, options);
    const model = new ScriptedModel([input.calls.map((c) => functionCall(c.name, c.args, { callId: c.id })), [assistantMessage("done")]]);
    const runner = new Runner({ model, tracingDisabled: true });
    let final: string | undefined;
    let error: unknown;
    try {
      if (input.stream === true) {
        const stream = await runner.run(agent, "go", { stream: true });
        for await (const _event of stream) {
          // drain
        }
        await stream.completed;
        if (stream.error !== null && stream.error !== undefined) throw stream.error as Error;
        final = typeof stream.finalOutput === "string" ? stream.finalOutput : undefined;
      } else {
        const result = await runner.run(agent, "go");
        final = typeof result.finalOutput === "string" ? result.finalOutput : undefined;
      }
    } catch (e) {
      error = e;
    }
    const later = model.calls.slice(1).map((c) => c.request);
    const modelSaw = modelSawIn(model);
    const sink = input.kernel.audit as { records?: () => readonly AuditRecord[] };
    const out: DriverResult = { ran, modelSaw, audit: typeof sink.records === "function" ? sink.records() : [], modelRequests: JSON.stringify(later) };
    if (final !== undefined) out.final = final;
    if (error !== undefined) out.error = error;
    if (logFile !== undefined) {
      let log = "";
      try {
        log = readFileSync(logFile, "utf8");
      } catch {
        // nothing was executed
      }
      out.serverLog = log.split("\n").filter((l) => l !== "");
    }
    return out;
  } finally {
    await server?.close();
    if (logDir !== undefined) rmSync(logDir, { recursive: true, force: true });
  }
}

/**
 * C13: the parent's only tool is the sub-agent `specialist` as `ask_specialist` (asTool's
 * own input shape, `{ input }`). The sub-agent has its own ScriptedModel (an agent's own
 * model wins over the runner's in the nested run) and the fixture tools. Both are governed:
 * the SDK gives no way from the asTool tool to the sub-agent (FRAMEWORKS.md §3.2-10).
 */
async function delegation(input: DelegationInput): Promise<DelegationResult> {
  const ran: string[] = [];
  const subModel = new ScriptedModel([[functionCall("delete_file", { path: "/etc/passwd" }, { callId: "s1" })], [assistantMessage("specialist done")]]);
  const specialist = new Agent({ name: "specialist", instructions: "contract", model: subModel, tools: fixtureTools(ran) });
  const parent = new Agent({ name: input.agent, instructions: "contract", tools: [specialist.asTool({ toolName: "ask_specialist", toolDescription: "Ask the specialist" })] });
  governAgent(specialist, { kernel: input.kernel, agent: input.agent });
  governAgent(parent, { kernel: input.kernel, agent: input.agent });
  const model = new ScriptedModel([[functionCall("ask_specialist", { input: "help" }, { callId: "d1" })], [assistantMessage("done")]]);
  await new Runner({ model, tracingDisabled: true }).run(parent, "go");
  return { subAgentModelCalls: subModel.calls.length, ran, modelSaw: modelSawIn(model) };
}

/** C16: a hosted tool (`webSearchTool()`), which runs on OpenAI's side, next to the fixture tools. */
async function ungoverned(input: UngovernedInput): Promise<UngovernedResult> {
  const ran: string[] = [];
  try {
    const agent = new Agent({ name: input.agent, instructions: "contract", tools: [webSearchTool(), ...fixtureTools(ran)] });
    governAgent(agent, { kernel: input.kernel, agent: input.agent, strict: input.strict });
    const model = new ScriptedModel([[assistantMessage("done")]]);
    await new Runner({ model, tracingDisabled: true }).run(agent, "go");
    return {};
  } catch (error) {
    return { error };
  }
}

export const openaiAgentsDriver: AdapterDriver & { runWith(input: DriverInput, extras: OpenAIDriverExtras): Promise<DriverResult> } = {
  name: "openai-agents",
  supports: { stream: true, mcp: true, throwMode: true },
  run: (input) => run(input),
  delegation,
  ungoverned,
  runWith: (input, extras) => run(input, extras),
};
