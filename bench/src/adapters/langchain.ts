/**
 * LangChain: the real `createAgent` loop (LangGraph underneath) driven by `fakeModel()` from
 * `@langchain/core/testing`, with `governanceMiddleware` (governed) or without any middleware
 * (ungoverned). As in the contract driver (test/adapters/drivers/langchain.ts).
 */
import type { Kernel } from "@agentgov/core";
import { governanceMiddleware } from "@agentgov/langchain";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { createAgent, tool } from "langchain";
import { z } from "zod";
import type { Counters, Loop, Loops } from "./common.js";
import { AGENT, ALLOWED_TOOL, ARGS, CALL_ID, contentText, DENIED_TOOL, deleteFileBody, FINAL_TEXT, PROMPT, readFileBody } from "./common.js";

const schema = z.object({ path: z.string() });

/** Fresh tool instances for one agent (the two agents share nothing but the counters). */
function tools(counters: Counters) {
  return [
    tool((args: { path: string }) => readFileBody(args, counters), { name: ALLOWED_TOOL, description: "Read a file", schema }),
    tool((args: { path: string }) => deleteFileBody(args, counters), { name: DENIED_TOOL, description: "Delete a file", schema }),
  ];
}

interface Side {
  model: ReturnType<typeof fakeModel>;
  invoke: () => Promise<{ messages: { content: unknown }[] }>;
}

function loop(side: Side, toolName: string): Loop {
  return {
    prepare(): void {
      // fakeModel consumes one queued response per model call: queue this run's two.
      side.model.respondWithTools([{ name: toolName, args: { ...ARGS }, id: CALL_ID }]).respond(new AIMessage(FINAL_TEXT));
    },
    async run(): Promise<string> {
      const { messages } = await side.invoke();
      return contentText(messages.at(-1)?.content);
    },
    seen(): string {
      const last = side.model.calls.at(-1)?.messages ?? [];
      const results = last.filter((m) => ToolMessage.isInstance(m));
      return contentText(results.at(-1)?.content);
    },
  };
}

export function langchainLoops(kernel: Kernel, counters: Counters): Loops {
  const config = { configurable: { thread_id: "bench-thread" } };

  const plainModel = fakeModel();
  const plainAgent = createAgent({ model: plainModel, tools: tools(counters) });
  const plain: Side = {
    model: plainModel,
    invoke: () => plainAgent.invoke({ messages: [{ role: "user", content: PROMPT }] }, config),
  };

  const govModel = fakeModel();
  const govAgent = createAgent({
    model: govModel,
    tools: tools(counters),
    middleware: [governanceMiddleware({ kernel, agent: AGENT })],
  });
  const gov: Side = {
    model: govModel,
    invoke: () => govAgent.invoke({ messages: [{ role: "user", content: PROMPT }] }, config),
  };

  return { ungoverned: loop(plain, ALLOWED_TOOL), governed: loop(gov, ALLOWED_TOOL), denied: loop(gov, DENIED_TOOL) };
}
