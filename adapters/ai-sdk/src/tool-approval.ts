/**
 * `toolApprovalFor({ kernel, agent })`: an optional, ai@7-only native denial through
 * `generateText` / `streamText`'s `toolApproval` (FRAMEWORKS.md §4). A denied call never
 * reaches `execute`; the model sees `{ type: "execution-denied", reason }` with the shared
 * denial text as the reason. It acts at `pre_tool` only (no args rewrite, no output), so
 * keep `governTools` too. It never throws unless `onDeny: "throw"` (the only hard mode of
 * the AI SDK: the throw rejects `generateText`).
 */
import { GovernanceDenied, renderDenial } from "@agentgov/core";
import { type AiSdkGovernOptions, deniedDecision, errorDecision, isObject, kernelOf, runIdOf, toolRequest } from "./internal.js";

/** Options of {@link toolApprovalFor}. */
export interface ToolApprovalForOptions extends AiSdkGovernOptions {
  /** `result` (default): a denial becomes `{ type: "denied", reason }`. `throw`: rejects the run with `GovernanceDenied`. */
  onDeny?: "result" | "throw";
  /** The MCP server name for `tool.server`: a name, or a function of the tool name. */
  server?: string | ((toolName: string) => string | undefined);
}

/** What {@link toolApprovalFor} returns for one call (a subset of ai@7's `ToolApprovalStatus`). */
export type GovernedApprovalStatus = "not-applicable" | { type: "denied"; reason: string };

/** The approval function: pass it as `toolApproval` (ai@7). */
export type GovernedToolApproval = (options: { toolCall: { toolName: string; toolCallId: string; input?: unknown } }) => Promise<GovernedApprovalStatus>;

/**
 * Builds a `toolApproval` function for ai@7. Allowed calls (and `require_approval`, which
 * core's approval handler settles inside the `governTools` wrapper) are `not-applicable`;
 * denied ones are audited here and returned as `{ type: "denied", reason }`.
 *
 * @example await generateText({ model, tools: governTools(tools, opts), toolApproval: toolApprovalFor(opts), prompt });
 */
export function toolApprovalFor(options: ToolApprovalForOptions): GovernedToolApproval {
  const kernel = kernelOf(options);
  const hard = options.onDeny === "throw";
  return async ({ toolCall }) => {
    try {
      const name = isObject(toolCall) && typeof toolCall.toolName === "string" ? toolCall.toolName : "";
      const callId = isObject(toolCall) && typeof toolCall.toolCallId === "string" ? toolCall.toolCallId : undefined;
      const server = typeof options.server === "function" ? options.server(name) : options.server;
      const call: { toolName: string; toolCallId?: string } = { toolName: name };
      if (callId !== undefined) call.toolCallId = callId;
      const request = toolRequest(options.agent, name, server, isObject(toolCall) ? toolCall.input : undefined, runIdOf(options, call));
      // A preview (dryRun): the governTools wrapper takes the counted decision, so a rate limit counts a call once.
      const decision = kernel.decide(request, { dryRun: true });
      // Allowed, or settled by the approval handler inside the governTools wrapper.
      if (decision.allowed || (decision.action === "require_approval" && decision.code === "rule")) return "not-applicable";
      // Denied: the enforcement path records the denial (decision record, outcome `denied`) and throws.
      await kernel.enforce(request, () => undefined, callId === undefined ? {} : { callId });
      // The decision changed between the two looks (a rate window): leave it to the wrapper.
      return "not-applicable";
    } catch (error) {
      const decision = deniedDecision(error) ?? errorDecision(kernel, error);
      if (hard) throw deniedDecision(error) === undefined ? new GovernanceDenied(decision) : error;
      return { type: "denied", reason: renderDenial(decision) };
    }
  };
}
