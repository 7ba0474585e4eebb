/**
 * The one enforcement routine of the middleware and the tool wrapper. It takes the
 * decision through `kernel.enforce` (audit, approval, transform, post_tool, redaction,
 * steer), keeps the tool's own errors apart from denials, and turns every other throw
 * into a denial with an error code: nothing on the enforcement path aborts a run.
 */
import { ToolMessage } from "@langchain/core/messages";
import { digestArgs } from "@agentgov/core/audit";
import type { AgentRef, Decision, Kernel } from "@agentgov/core";
import {
  adapterDenial,
  buildRequest,
  deniedDecision,
  fromToolMessageView,
  isCommand,
  messageOf,
  toolMessageView,
  type CallInfo,
} from "./shared.js";

/** What the kernel sees as the output of a tool that returned a LangGraph `Command`. */
const COMMAND_OUTPUT = "[LangGraph Command: state update not inspected]";

/** The outcome of one governed call. */
export type CallOutcome =
  | { type: "result"; value: unknown }
  | { type: "denied"; decision: Decision }
  | { type: "tool_error"; error: unknown };

/** The resolved settings of one adapter instance. */
export interface Enforcer {
  kernel: Kernel;
  agent: AgentRef;
  strict: boolean;
}

/**
 * Governs one call. `execute(args)` runs the tool (with the possibly transformed args) and
 * returns a `ToolMessage`, a `Command`, or a raw value (direct `tool.invoke(args)`).
 */
export async function enforceCall(enforcer: Enforcer, call: CallInfo, execute: (args: unknown) => Promise<unknown>): Promise<CallOutcome> {
  const { kernel } = enforcer;
  let toolError: { error: unknown } | undefined;
  let raw: unknown;
  let steer: string | undefined;
  try {
    const request = buildRequest(enforcer.agent, call);
    const options = call.callId === undefined ? { onSteer: (text: string) => (steer = text) } : { callId: call.callId, onSteer: (text: string) => (steer = text) };
    const view = await kernel.enforce(
      request,
      async (args: unknown): Promise<unknown> => {
        let out: unknown;
        try {
          out = await execute(args);
        } catch (error) {
          toolError = { error };
          throw error;
        }
        raw = out;
        if (isCommand(out)) return COMMAND_OUTPUT;
        if (ToolMessage.isInstance(out)) return toolMessageView(out);
        return out;
      },
      options,
    );
    if (isCommand(raw)) return commandOutcome(enforcer, call, raw, view);
    if (ToolMessage.isInstance(raw)) return { type: "result", value: fromToolMessageView(raw, view, typeof view === "string" ? undefined : steer) };
    return { type: "result", value: view };
  } catch (error) {
    if (toolError !== undefined && error === toolError.error) return { type: "tool_error", error };
    const decision = deniedDecision(error);
    if (decision !== undefined) return { type: "denied", decision };
    const fault = adapterDenial(kernel, "internal_error", `Internal error in @agentgov/langchain, so the call is denied: ${messageOf(error)}`);
    auditAdapterEvent(enforcer, call, fault, raw === undefined ? "decision" : "outcome", { event: "adapter_error" });
    return { type: "denied", decision: fault };
  }
}

/** A `Command` passes through, audited as `output_unenforced`; in strict mode, or if a post_tool rule changed the output, it is refused. */
function commandOutcome(enforcer: Enforcer, call: CallInfo, command: unknown, view: unknown): CallOutcome {
  if (view !== COMMAND_OUTPUT || enforcer.strict) {
    const why = view !== COMMAND_OUTPUT ? "a redaction or steer rule would change its output, which cannot be applied to a Command" : "strict mode refuses outputs it cannot inspect";
    const decision = adapterDenial(enforcer.kernel, "invalid_request", `The tool returned a LangGraph Command whose state update agentgov cannot inspect; ${why}`);
    auditAdapterEvent(enforcer, call, decision, "outcome", { outcome: "output_unenforced", result: "Command", refused: true });
    return { type: "denied", decision };
  }
  const decision: Decision = {
    allowed: true,
    action: "log",
    matched_rule: null,
    policy: null,
    code: "default",
    reason: "The tool returned a LangGraph Command; its state update passed through uninspected (output_unenforced)",
    policy_digest: enforcer.kernel.digest,
  };
  auditAdapterEvent(enforcer, call, decision, "outcome", { outcome: "output_unenforced", result: "Command" });
  return { type: "result", value: command };
}

/** Best-effort audit of what the adapter itself decided (the kernel never saw it). A failing sink cannot loosen: the caller already denies or marks. */
export function auditAdapterEvent(enforcer: Enforcer, call: CallInfo, decision: Decision, kind: "decision" | "outcome", ext: Record<string, unknown>): boolean {
  try {
    const agent = enforcer.agent;
    const entry: Parameters<Kernel["audit"]["append"]>[0] = {
      kind,
      agent: typeof agent === "string" ? agent : agent.id,
      stage: kind === "outcome" ? "post_tool" : "pre_tool",
      tool: call.name,
      action: call.name,
      decision: { allowed: decision.allowed, action: decision.action, matched_rule: decision.matched_rule, policy: decision.policy, code: decision.code, reason: decision.reason },
      policy_digest: enforcer.kernel.digest,
      outcome: { status: decision.allowed ? "ok" : "denied" },
      ext: { langchain: ext },
    };
    if (call.callId !== undefined) entry.call_id = call.callId;
    if (call.runId !== undefined) entry.run_id = call.runId;
    if (call.args !== undefined && kind === "decision") entry.args_digest = digestArgs(call.args);
    enforcer.kernel.audit.append(entry);
    return true;
  } catch {
    return false;
  }
}
