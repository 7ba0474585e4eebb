/**
 * AI SDK (ai@7): the real `generateText` tool loop (`stopWhen: stepCountIs(5)`) driven by the
 * SDK's own `MockLanguageModelV4` from `ai/test` (a scripted array of two steps, as in the
 * contract driver test/adapters/drivers/ai-sdk.ts), with `governTools(tools)` (governed) or
 * the raw tools (ungoverned).
 */
import type { Kernel } from "@agentgov/core";
import { governTools } from "@agentgov/ai-sdk";
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { z } from "zod";
import type { Counters, Loop, Loops } from "./common.js";
import { AGENT, ALLOWED_TOOL, ARGS, CALL_ID, contentText, DENIED_TOOL, deleteFileBody, FINAL_TEXT, PROMPT, readFileBody } from "./common.js";

type MockSettings = NonNullable<ConstructorParameters<typeof MockLanguageModelV4>[0]>;
type Script = Extract<NonNullable<MockSettings["doGenerate"]>, readonly unknown[]>;

const inputSchema = z.object({ path: z.string() });

/** Fresh tool instances for one side. */
function tools(counters: Counters) {
  return {
    [ALLOWED_TOOL]: tool({ description: "Read a file", inputSchema, execute: (args) => readFileBody(args, counters) }),
    [DENIED_TOOL]: tool({ description: "Delete a file", inputSchema, execute: (args) => deleteFileBody(args, counters) }),
  };
}
type ToolSet = ReturnType<typeof tools>;

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** The two model steps of one run: the tool call, then the final text. */
function script(toolName: string): Script {
  return [
    {
      content: [{ type: "tool-call", toolCallId: CALL_ID, toolName, input: JSON.stringify(ARGS) }],
      finishReason: { unified: "tool-calls", raw: undefined },
      usage,
      warnings: [],
    },
    {
      content: [{ type: "text", text: FINAL_TEXT }],
      finishReason: { unified: "stop", raw: undefined },
      usage,
      warnings: [],
    },
  ];
}

function loop(toolSet: ToolSet, toolName: string): Loop {
  const steps = script(toolName);
  // The mock answers from its array by call count: a fresh one per run (created untimed).
  let model = new MockLanguageModelV4({ doGenerate: steps });
  return {
    prepare(): void {
      model = new MockLanguageModelV4({ doGenerate: steps });
    },
    async run(): Promise<string> {
      const result = await generateText({ model, tools: toolSet, prompt: PROMPT, stopWhen: stepCountIs(5) });
      return result.text;
    },
    seen(): string {
      const prompt = model.doGenerateCalls.at(-1)?.prompt ?? [];
      for (const message of prompt) {
        if (message.role !== "tool") continue;
        for (const part of message.content) if (part.type === "tool-result") return contentText(part.output);
      }
      return "";
    },
  };
}

export function aiSdkLoops(kernel: Kernel, counters: Counters): Loops {
  const raw = tools(counters);
  const governed = governTools(tools(counters), { kernel, agent: AGENT, runId: "bench-run" });
  return { ungoverned: loop(raw, ALLOWED_TOOL), governed: loop(governed, ALLOWED_TOOL), denied: loop(governed, DENIED_TOOL) };
}
