/**
 * The AI SDK driver of the adapter contract: the REAL `generateText` / `streamText` loop of
 * ai@7 or ai@6 (the npm alias `ai-v6`), driven by the SDK's own scripted test model
 * (`MockLanguageModelV4` / `MockLanguageModelV3` from `ai/test`), with the fixture tools
 * governed by `governTools` and, for MCP scenarios, the real stdio fixture server through
 * `@ai-sdk/mcp`. What the model saw is read from its second request (FRAMEWORKS.md §4.3).
 *
 * Hard mode (`onDeny: "throw"`) exists on ai@7 only, through `toolApprovalFor`.
 *
 * C13 delegation: the sub-agent is a tool (`ask_specialist`) whose `execute` runs its own
 * `generateText` loop, with its own scripted model and its own governed tools, under the
 * same kernel. C16: a client-side tool (no `execute`), which `governTools` can only audit
 * as ungoverned (or reject, with `strict`).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { governTools, toolApprovalFor } from "@agentgov/ai-sdk";
import { createMCPClient } from "@ai-sdk/mcp";
import { StdioMCPTransport } from "@ai-sdk/mcp/mcp-stdio";
import { generateText as generateText7, stepCountIs as stepCountIs7, streamText as streamText7, tool as tool7 } from "ai";
import { convertArrayToReadableStream as toStream7, MockLanguageModelV4 } from "ai/test";
import { generateText as generateText6, stepCountIs as stepCountIs6, streamText as streamText6, tool as tool6 } from "ai-v6";
import { convertArrayToReadableStream as toStream6, MockLanguageModelV3 } from "ai-v6/test";
import { z } from "zod";
import type { AdapterDriver, DelegationInput, DelegationResult, DriverInput, DriverResult, ModelSaw, ScriptedCall, UngovernedInput, UngovernedResult } from "../contract/types.js";
import { FIXTURE_TOOLS } from "../fixtures/tools.js";

const MCP_SERVER = fileURLToPath(new URL("../fixtures/mcp-server.mjs", import.meta.url));

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

function toolCalls(input: { calls: readonly ScriptedCall[] }): unknown[] {
  return input.calls.map((c) => ({ type: "tool-call", toolCallId: c.id, toolName: c.name, input: JSON.stringify(c.args) }));
}

/** Turn 1: `calls`; turn 2: the text `answer`. */
function generateSteps(input: { calls: readonly ScriptedCall[] }, answer = "done"): unknown[] {
  return [
    { content: toolCalls(input), finishReason: { unified: "tool-calls", raw: undefined }, usage, warnings: [] },
    { content: [{ type: "text", text: answer }], finishReason: { unified: "stop", raw: undefined }, usage, warnings: [] },
  ];
}

interface ToolDef {
  description: string;
  inputSchema: unknown;
  execute?: (args: Record<string, unknown>) => unknown;
}

/** The SDK's `tool()` of ai@`major`. */
function makeTool(major: 6 | 7, def: ToolDef): object {
  return major === 7 ? tool7(def as unknown as Parameters<typeof tool7>[0]) : tool6(def as unknown as Parameters<typeof tool6>[0]);
}

/** The fixture tools (or those named), ungoverned, pushing to `ran`. */
function fixtureTools(major: 6 | 7, ran: string[], names?: readonly string[]): Record<string, object> {
  const tools: Record<string, object> = {};
  for (const t of FIXTURE_TOOLS) {
    if (names !== undefined && !names.includes(t.name)) continue;
    tools[t.name] = makeTool(major, { description: t.description, inputSchema: t.schema, execute: (args) => t.body(args, ran) });
  }
  return tools;
}

/** A scripted (non-streaming) model of ai@`major`, and the requests it received. */
interface ScriptedModel {
  model: unknown;
  calls: () => readonly { prompt: unknown }[];
}

function scriptedModel(major: 6 | 7, steps: unknown[]): ScriptedModel {
  if (major === 7) {
    const model = new MockLanguageModelV4({ doGenerate: steps } as unknown as ConstructorParameters<typeof MockLanguageModelV4>[0]);
    return { model, calls: () => model.doGenerateCalls };
  }
  const model = new MockLanguageModelV3({ doGenerate: steps } as unknown as ConstructorParameters<typeof MockLanguageModelV3>[0]);
  return { model, calls: () => model.doGenerateCalls };
}

/** The real `generateText` loop of ai@`major`. */
async function generate(major: 6 | 7, model: ScriptedModel, tools: Record<string, object>, prompt: string): Promise<{ text: string }> {
  if (major === 7) {
    type Settings = Parameters<typeof generateText7>[0];
    return generateText7({ model: model.model as Settings["model"], tools: tools as NonNullable<Settings["tools"]>, prompt, stopWhen: stepCountIs7(5) });
  }
  type Settings = Parameters<typeof generateText6>[0];
  return generateText6({ model: model.model as Settings["model"], tools: tools as NonNullable<Settings["tools"]>, prompt, stopWhen: stepCountIs6(5) });
}

function streamSteps(input: DriverInput): unknown[][] {
  return [
    [{ type: "stream-start", warnings: [] }, ...toolCalls(input), { type: "finish", finishReason: { unified: "tool-calls", raw: undefined }, usage }],
    [
      { type: "stream-start", warnings: [] },
      { type: "text-start", id: "t1" },
      { type: "text-delta", id: "t1", delta: "done" },
      { type: "text-end", id: "t1" },
      { type: "finish", finishReason: { unified: "stop", raw: undefined }, usage },
    ],
  ];
}

/** A tool-result output as text, the way the model receives it. */
function outputText(output: unknown): { text: string; isError: boolean } {
  const o = (typeof output === "object" && output !== null ? output : {}) as { type?: unknown; value?: unknown; reason?: unknown };
  const isError = o.type === "error-text" || o.type === "error-json" || o.type === "execution-denied";
  if (o.type === "execution-denied") return { text: typeof o.reason === "string" ? o.reason : "", isError };
  if (typeof o.value === "string") return { text: o.value, isError };
  if (Array.isArray(o.value)) {
    const texts = o.value.map((v: unknown) => (typeof v === "object" && v !== null && typeof (v as { text?: unknown }).text === "string" ? (v as { text: string }).text : JSON.stringify(v)));
    return { text: texts.join("\n"), isError };
  }
  return { text: JSON.stringify(o.value), isError };
}

function modelSawFrom(prompt: readonly unknown[] | undefined): ModelSaw[] {
  const saw: ModelSaw[] = [];
  for (const m of prompt ?? []) {
    const message = m as { role?: unknown; content?: unknown };
    if (message.role !== "tool" || !Array.isArray(message.content)) continue;
    for (const p of message.content) {
      const part = p as { type?: unknown; toolCallId?: unknown; output?: unknown };
      if (part.type !== "tool-result" || typeof part.toolCallId !== "string") continue;
      const { text, isError } = outputText(part.output);
      saw.push(isError ? { callId: part.toolCallId, text, isError } : { callId: part.toolCallId, text });
    }
  }
  return saw;
}

interface Outcome {
  final?: string;
  error?: unknown;
  toolResults: unknown[];
}

interface StepLike {
  toolResults: readonly unknown[];
}

async function settle(run: () => unknown, stream: boolean): Promise<Outcome> {
  try {
    if (stream) {
      const result = run() as { text: PromiseLike<string>; steps: PromiseLike<readonly StepLike[]>; fullStream: AsyncIterable<unknown> };
      for await (const _part of result.fullStream) {
        // drain
      }
      const steps = await result.steps;
      return { final: await result.text, toolResults: [...(steps[0]?.toolResults ?? [])] };
    }
    const result = (await run()) as { text: string; steps: readonly StepLike[] };
    return { final: result.text, toolResults: [...(result.steps[0]?.toolResults ?? [])] };
  } catch (error) {
    return { error, toolResults: [] };
  }
}

/** The contract driver for `@agentgov/ai-sdk` on ai@`major`. */
export function aiSdkDriver(major: 6 | 7): AdapterDriver {
  return {
    name: `ai-sdk@${major}`,
    supports: { stream: true, mcp: true, throwMode: major === 7 },
    async run(input: DriverInput): Promise<DriverResult> {
      const ran: string[] = [];
      const tools = fixtureTools(major, ran);

      let dir: string | undefined;
      let client: Awaited<ReturnType<typeof createMCPClient>> | undefined;
      let logFile: string | undefined;
      try {
        if (input.mcp === true) {
          dir = mkdtempSync(join(tmpdir(), "agentgov-ai-sdk-"));
          logFile = join(dir, "mcp.log");
          client = await createMCPClient({ transport: new StdioMCPTransport({ command: process.execPath, args: [MCP_SERVER], env: { MCP_LOG: logFile } }) });
          Object.assign(tools, await client.tools());
        }
        const options = { kernel: input.kernel, agent: input.agent, runId: "run-1" };
        let governed = governTools(tools, options);
        if (input.governTwice === true) governed = governTools({ ...governed }, options);
        const stream = input.stream === true;
        const hard = input.onDeny === "throw";
        if (hard && major !== 7) throw new Error("ai@6 has no hard mode");

        let prompts: readonly { prompt: unknown }[];
        let outcome: Outcome;
        if (major === 7) {
          type Mock = ConstructorParameters<typeof MockLanguageModelV4>[0];
          const model = new MockLanguageModelV4(
            stream ? ({ doStream: streamSteps(input).map((chunks) => ({ stream: toStream7(chunks) })) } as unknown as Mock) : ({ doGenerate: generateSteps(input) } as unknown as Mock),
          );
          const settings = {
            model,
            tools: governed as NonNullable<Parameters<typeof generateText7>[0]["tools"]>,
            prompt: "go",
            stopWhen: stepCountIs7(5),
            ...(hard ? { toolApproval: toolApprovalFor({ ...options, onDeny: "throw" }) } : {}),
          };
          outcome = await settle(() => (stream ? streamText7({ ...settings, onError: () => undefined }) : generateText7(settings)), stream);
          prompts = stream ? model.doStreamCalls : model.doGenerateCalls;
        } else {
          type Mock = ConstructorParameters<typeof MockLanguageModelV3>[0];
          const model = new MockLanguageModelV3(
            stream ? ({ doStream: streamSteps(input).map((chunks) => ({ stream: toStream6(chunks) })) } as unknown as Mock) : ({ doGenerate: generateSteps(input) } as unknown as Mock),
          );
          const settings = { model, tools: governed as NonNullable<Parameters<typeof generateText6>[0]["tools"]>, prompt: "go", stopWhen: stepCountIs6(5) };
          outcome = await settle(() => (stream ? streamText6({ ...settings, onError: () => undefined }) : generateText6(settings)), stream);
          prompts = stream ? model.doStreamCalls : model.doGenerateCalls;
        }

        const later = prompts.slice(1).map((c) => c.prompt);
        const result: DriverResult = {
          ran,
          modelSaw: modelSawFrom(later[0] as readonly unknown[] | undefined),
          audit: [],
          // The app side too (steps[].toolResults): the secret must be nowhere.
          modelRequests: JSON.stringify(later) + JSON.stringify(outcome.toolResults),
        };
        if (outcome.final !== undefined) result.final = outcome.final;
        if (outcome.error !== undefined) result.error = outcome.error;
        if (client !== undefined) {
          await client.close();
          client = undefined;
        }
        if (logFile !== undefined) result.serverLog = readLog(logFile);
        return result;
      } finally {
        if (client !== undefined) await client.close();
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      }
    },

    async delegation(input: DelegationInput): Promise<DelegationResult> {
      const ran: string[] = [];
      const options = { kernel: input.kernel, agent: input.agent, runId: "run-1" };
      // The sub-agent: its own scripted model and its own tools, governed by the same kernel.
      const subModel = scriptedModel(major, generateSteps({ calls: [{ id: "s1", name: "delete_file", args: { path: "/etc/passwd" } }] }, "specialist done"));
      const subTools = governTools(fixtureTools(major, ran, ["delete_file"]), options);
      const askSpecialist = makeTool(major, {
        description: "Ask the specialist sub-agent",
        inputSchema: z.object({ question: z.string() }),
        execute: async (args) => (await generate(major, subModel, subTools, String(args.question))).text,
      });
      // The parent: the sub-agent is one of its tools, governed like any other.
      const parentModel = scriptedModel(major, generateSteps({ calls: [{ id: "d1", name: "ask_specialist", args: { question: "help" } }] }));
      await generate(major, parentModel, governTools({ ask_specialist: askSpecialist }, options), "go");
      return {
        subAgentModelCalls: subModel.calls().length,
        ran,
        modelSaw: modelSawFrom(parentModel.calls()[1]?.prompt as readonly unknown[] | undefined),
      };
    },

    async ungoverned(input: UngovernedInput): Promise<UngovernedResult> {
      try {
        // A client-side tool (no execute): the app answers it, so the wrapper has nothing to wrap.
        const askUser = makeTool(major, { description: "Ask the user", inputSchema: z.object({ question: z.string() }) });
        const tools = governTools({ ask_user: askUser }, { kernel: input.kernel, agent: input.agent, runId: "run-1", strict: input.strict });
        // The loop stops at the client-side call (it has no result to feed back).
        await generate(major, scriptedModel(major, generateSteps({ calls: [{ id: "u1", name: "ask_user", args: { question: "sure?" } }] })), tools, "go");
        return {};
      } catch (error) {
        return { error };
      }
    },
  };
}

function readLog(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}
