/**
 * OpenAI Agents SDK: the real `run()` loop (the SDK's default `Runner`) driven by the SDK's
 * own `ScriptedModel` from `@openai/agents/testing`, on an agent governed by `governAgent`
 * or left alone. As in the contract driver (test/adapters/drivers/openai-agents.ts).
 * Tracing is off (no exporter, no network).
 */
import type { Kernel } from "@agentgov/core";
import { governAgent } from "@agentgov/openai-agents";
import { Agent, run, setTracingDisabled, tool } from "@openai/agents";
import { assistantMessage, functionCall, ScriptedModel } from "@openai/agents/testing";
import { z } from "zod";
import type { Counters, Loop, Loops } from "./common.js";
import { AGENT, ALLOWED_TOOL, ARGS, CALL_ID, contentText, DENIED_TOOL, deleteFileBody, FINAL_TEXT, PROMPT, readFileBody } from "./common.js";

const parameters = z.object({ path: z.string() });

/** Fresh tool instances for one agent: `governAgent` wraps an agent's tools in place. */
function tools(counters: Counters) {
  return [
    tool({ name: ALLOWED_TOOL, description: "Read a file", parameters, execute: (args) => readFileBody(args, counters) }),
    tool({ name: DENIED_TOOL, description: "Delete a file", parameters, execute: (args) => deleteFileBody(args, counters) }),
  ];
}

function loop(agent: Agent, model: ScriptedModel, toolName: string): Loop {
  return {
    prepare(): void {
      // ScriptedModel consumes one step per model call: queue this run's two.
      model.enqueue([functionCall(toolName, { ...ARGS }, { callId: CALL_ID })], [assistantMessage(FINAL_TEXT)]);
    },
    async run(): Promise<string> {
      const result = await run(agent, PROMPT);
      return typeof result.finalOutput === "string" ? result.finalOutput : JSON.stringify(result.finalOutput);
    },
    seen(): string {
      const input = model.lastCall?.request.input;
      const items = Array.isArray(input) ? (input as unknown[]) : [];
      const results = items.filter((i) => typeof i === "object" && i !== null && (i as { type?: unknown }).type === "function_call_result");
      const last = results.at(-1) as { output?: unknown } | undefined;
      return contentText(last?.output);
    },
  };
}

export function openaiAgentsLoops(kernel: Kernel, counters: Counters): Loops {
  setTracingDisabled(true);

  const plainModel = new ScriptedModel();
  const plainAgent = new Agent({ name: AGENT, instructions: "bench", model: plainModel, tools: tools(counters) });

  const govModel = new ScriptedModel();
  const govAgent = new Agent({ name: AGENT, instructions: "bench", model: govModel, tools: tools(counters) });
  governAgent(govAgent, { kernel });

  return {
    ungoverned: loop(plainAgent, plainModel, ALLOWED_TOOL),
    governed: loop(govAgent, govModel, ALLOWED_TOOL),
    denied: loop(govAgent, govModel, DENIED_TOOL),
  };
}
