/**
 * `governanceMiddleware(options)`: the primary mechanism, a `createAgent` middleware whose
 * `wrapToolCall` puts the kernel in front of every tool call (FRAMEWORKS.md §2).
 */
import { createMiddleware, ToolInvocationError, type ToolCallHandler, type ToolCallRequest } from "langchain";
import { ToolMessage } from "@langchain/core/messages";
import { GOVERNED, GovernanceDenied } from "@agentgov/core";
import { enforceCall, type Enforcer } from "./enforce.js";
import {
  adapterDenial,
  denialToolMessage,
  isGraphControlFlow,
  messageOf,
  resolveKernel,
  toolErrorMessage,
  type CallInfo,
  type GovernanceOptions,
} from "./shared.js";

type ToolCallResult = Awaited<ReturnType<ToolCallHandler>>;

/**
 * A `createAgent` middleware that governs every tool call. Put it first in `middleware`.
 * - deny (and anything it cannot apply): the tool never runs; the model gets an error
 *   `ToolMessage` with the shared denial text, and the loop continues (`onDeny: "throw"`
 *   rejects the run instead);
 * - transform / steer / post_tool redaction: applied to the args and the `ToolMessage`
 *   (content and `artifact`);
 * - a throwing tool keeps LangChain's default feedback (`… Please fix your mistakes.`,
 *   status `error`) instead of aborting the run, as any `wrapToolCall` otherwise would.
 *
 * @example createAgent({ model, tools, middleware: [governanceMiddleware({ kernel, agent: "support-bot" })] })
 */
export function governanceMiddleware(options: GovernanceOptions): ReturnType<typeof createMiddleware> {
  const enforcer: Enforcer = { kernel: resolveKernel(options), agent: options.agent, strict: options.strict === true };
  const onDeny = options.onDeny ?? "result";

  const wrapToolCall = async (request: ToolCallRequest, handler: ToolCallHandler): Promise<ToolCallResult> => {
    const { toolCall } = request;
    const toolCallId = toolCall.id ?? "";
    const name = toolCall.name;
    const tool = request.tool as unknown as Record<symbol, unknown> | undefined;
    try {
      if (tool?.[GOVERNED] === true) {
        // governTools already governs this tool: only keep the tool-error feedback.
        try {
          return await handler(request);
        } catch (error) {
          return toolError(error, request, toolCallId, name);
        }
      }
      const call: CallInfo = { name, callId: toolCall.id, args: toolCall.args, runId: threadId(request), step: stepOf(request) };
      const outcome = await enforceCall(enforcer, call, (args) =>
        Promise.resolve(handler(args === toolCall.args ? request : { ...request, toolCall: { ...toolCall, args: args as Record<string, unknown> } })),
      );
      if (outcome.type === "tool_error") return toolError(outcome.error, request, toolCallId, name);
      if (outcome.type === "denied") {
        if (onDeny === "throw") throw new GovernanceDenied(outcome.decision);
        return denialToolMessage(outcome.decision, toolCallId, name);
      }
      return outcome.value as ToolCallResult;
    } catch (error) {
      if (error instanceof GovernanceDenied || isGraphControlFlow(error)) throw error;
      // Fail closed: nothing on the enforcement path may abort the run.
      return denialToolMessage(adapterDenial(enforcer.kernel, "internal_error", `Internal error in @agentgov/langchain, so the call is denied: ${messageOf(error)}`), toolCallId, name);
    }
  };

  const middleware = createMiddleware({ name: "agentgov", wrapToolCall });
  Object.defineProperty(middleware, GOVERNED, { value: true });
  return middleware;
}

/** The tool's own error, as `ToolNode` would have fed it back without middleware; interrupts and aborts still propagate. */
function toolError(error: unknown, request: ToolCallRequest, toolCallId: string, name: string): ToolMessage {
  if (isGraphControlFlow(error) || request.runtime.signal?.aborted === true) throw error;
  if (ToolInvocationError.isInstance(error)) return new ToolMessage({ content: error.message, tool_call_id: toolCallId, name, status: "error" });
  return toolErrorMessage(error, toolCallId, name);
}

function threadId(request: ToolCallRequest): string | undefined {
  const configurable = (request.runtime as { configurable?: Record<string, unknown> }).configurable;
  const id = configurable?.thread_id;
  return typeof id === "string" ? id : typeof id === "number" ? String(id) : undefined;
}

/** The agent-loop step: how many model turns produced tool calls so far. */
function stepOf(request: ToolCallRequest): number | undefined {
  const messages = (request.state as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return undefined;
  let steps = 0;
  for (const m of messages as unknown[]) {
    if (typeof m === "object" && m !== null && typeof (m as { getType?: unknown }).getType === "function" && (m as { getType: () => string }).getType() === "ai") steps++;
  }
  return steps;
}
