/**
 * `GovernanceCallbackHandler`: the limited fallback for an agent that is already compiled
 * (`agent.withConfig({ callbacks: [handler] })`). A callback cannot change args or output,
 * so it enforces only `allow` / `warn` / `log` / `deny`: `steer`, `transform` and
 * `require_approval` cannot be applied there and deny (an error never loosens). At
 * `post_tool`, a deny, or a redaction or steer it cannot apply, withholds the whole output
 * (a throw from `handleToolEnd` rejects the tool call). Use `governanceMiddleware` or
 * `governTools` wherever possible.
 */
import { BaseCallbackHandler, type BaseCallbackHandlerInput } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import { GovernanceDenied, renderDenial, type AgentRef, type Decision, type Kernel } from "@agentgov/core";
import { digestArgs } from "@agentgov/core/audit";
import { adapterDenial, buildRequest, isCommand, messageOf, resolveKernel, type CallInfo, type GovernanceOptions } from "./shared.js";

/**
 * Options of {@link GovernanceCallbackHandler}. With `strict`, a tool that returns a LangGraph
 * `Command` has its result refused instead of recorded as `output_unenforced`.
 */
export interface GovernanceCallbackOptions extends Omit<GovernanceOptions, "onDeny">, BaseCallbackHandlerInput {
  /** `enforce` (default): a denied call throws, so the tool never runs. `audit`: record decisions only; nothing is blocked. */
  mode?: "enforce" | "audit";
}

interface Pending {
  call: CallInfo;
  decision: Decision;
  started: number;
}

/**
 * A blocking callback handler. `raiseError` is set through the constructor (as a class
 * field it would leave `awaitHandlers` false: the tool would still run, and the throw
 * would become an unhandled rejection). The model then sees `ToolNode`'s default error
 * feedback carrying the denial text. Limits: combined with any `wrapToolCall` middleware
 * a denial aborts the run, and a direct `tool.invoke(args, { callbacks })` throws to the
 * caller.
 */
export class GovernanceCallbackHandler extends BaseCallbackHandler {
  name = "agentgov";
  readonly kernel: Kernel;
  readonly agent: AgentRef;
  readonly mode: "enforce" | "audit";
  readonly strict: boolean;
  readonly #pending = new Map<string, Pending>();

  constructor(options: GovernanceCallbackOptions) {
    const mode = options.mode ?? "enforce";
    // `copy()` calls `new this.constructor(this)`: the instance itself is a valid options object.
    super({ ...pickCallbackInput(options), raiseError: mode === "enforce" });
    this.kernel = resolveKernel(options);
    this.agent = options.agent;
    this.mode = mode;
    this.strict = options.strict === true;
  }

  override handleToolStart(
    _tool: Serialized,
    input: string,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void {
    const call: CallInfo = { name: runName ?? "", callId: toolCallId ?? runId, args: parseArgs(input), runId: threadIdOf(metadata) };
    let decision: Decision;
    try {
      decision = this.kernel.decide(buildRequest(this.agent, call));
      if (decision.allowed && (decision.action === "steer" || decision.action === "transform")) {
        decision = { ...decision, allowed: false, action: "deny", reason: `'${decision.action}' cannot be applied by the callback handler, so the call is denied (use governanceMiddleware or governTools): ${decision.reason}` };
      } else if (decision.action === "require_approval") {
        decision = { ...decision, allowed: false, action: "deny", code: "approval_required", reason: `Approval cannot be awaited in the callback handler, so the call is denied: ${decision.reason}` };
      }
    } catch (error) {
      decision = adapterDenial(this.kernel, "internal_error", `Internal error in @agentgov/langchain, so the call is denied: ${messageOf(error)}`);
    }
    const blocking = !decision.allowed && this.mode === "enforce";
    const recorded = this.#append("decision", "pre_tool", call, decision, { status: decision.allowed || this.mode === "audit" ? "pending" : "denied" });
    if (!recorded && this.mode === "enforce") {
      throw denial(adapterDenial(this.kernel, "audit_unavailable", "The audit log cannot take the record, so the call is denied"));
    }
    if (blocking) throw denial(decision);
    this.#pending.set(runId, { call, decision, started: Date.now() });
  }

  override handleToolEnd(output: unknown, runId: string): void {
    const pending = this.#pending.get(runId);
    if (pending === undefined) return;
    this.#pending.delete(runId);
    let decision = pending.decision;
    let withhold: Decision | undefined;
    if (isCommand(output)) {
      // A LangGraph Command's state update cannot be inspected: recorded, refused in strict mode.
      const refused = this.strict && this.mode === "enforce";
      const marked: Decision = refused
        ? adapterDenial(this.kernel, "invalid_request", "The tool returned a LangGraph Command whose state update agentgov cannot inspect; strict mode refuses it")
        : { ...decision, reason: `${decision.reason} (the tool returned a LangGraph Command; its state update passed through uninspected)` };
      const recorded = this.#append("outcome", "post_tool", pending.call, marked, { status: "ok", duration_ms: Date.now() - pending.started }, { outcome: "output_unenforced", result: "Command" });
      if (this.mode === "enforce" && (refused || !recorded)) throw denial(refused ? marked : adapterDenial(this.kernel, "audit_unavailable", "The audit log cannot take the outcome record, so the output is withheld"));
      return;
    }
    try {
      const post = this.kernel.decide({ agent: this.agent, stage: "post_tool", context: { ...contextOf(pending.call), output: plainOutput(output) } });
      // As in the kernel, a post_tool default never withholds an output the pre_tool decision let run.
      if (post.code !== "default") {
        decision = post;
        if (!post.allowed) withhold = post;
        else if (post.action === "transform" || post.action === "steer") {
          withhold = { ...post, allowed: false, action: "deny", reason: `'${post.action}' cannot be applied to the output by the callback handler, so the output is withheld: ${post.reason}` };
        }
      }
    } catch (error) {
      withhold = adapterDenial(this.kernel, "internal_error", `Internal error in @agentgov/langchain at post_tool, so the output is withheld: ${messageOf(error)}`);
      decision = withhold;
    }
    const stage = decision === pending.decision ? "pre_tool" : "post_tool";
    const ext: Record<string, unknown> = withhold !== undefined && this.mode === "audit" ? { output: "output_unenforced" } : {};
    const recorded = this.#append("outcome", stage, pending.call, withhold ?? decision, { status: "ok", duration_ms: Date.now() - pending.started }, ext);
    if (this.mode !== "enforce") return;
    // A throw here (raiseError) makes the tool call reject: ToolNode feeds the denial back instead of the output.
    if (!recorded) throw denial(adapterDenial(this.kernel, "audit_unavailable", "The audit log cannot take the outcome record, so the output is withheld"));
    if (withhold !== undefined) throw denial(withhold);
  }

  override handleToolError(error: unknown, runId: string): void {
    const pending = this.#pending.get(runId);
    if (pending === undefined) return;
    this.#pending.delete(runId);
    const err = error instanceof Error ? { name: error.name, message: error.message } : { name: typeof error, message: String(error) };
    this.#append("outcome", "pre_tool", pending.call, pending.decision, { status: "error", duration_ms: Date.now() - pending.started, error: err });
  }

  #append(kind: "decision" | "outcome", stage: "pre_tool" | "post_tool", call: CallInfo, decision: Decision, outcome: { status: "denied" | "pending" | "ok" | "error"; duration_ms?: number; error?: { name: string; message: string } }, ext: Record<string, unknown> = {}): boolean {
    try {
      const entry: Parameters<Kernel["audit"]["append"]>[0] = {
        kind,
        agent: typeof this.agent === "string" ? this.agent : this.agent.id,
        stage,
        tool: call.name,
        action: call.name,
        decision: { allowed: decision.allowed, action: decision.action, matched_rule: decision.matched_rule, policy: decision.policy, code: decision.code, reason: decision.reason },
        policy_digest: this.kernel.digest,
        outcome,
        ext: { langchain: { mechanism: "callback", mode: this.mode, ...ext } },
      };
      if (call.callId !== undefined) entry.call_id = call.callId;
      if (call.runId !== undefined) entry.run_id = call.runId;
      if (kind === "decision" && call.args !== undefined) entry.args_digest = digestArgs(call.args);
      this.kernel.audit.append(entry);
      return true;
    } catch {
      return false;
    }
  }
}

/** A `GovernanceDenied` whose message is the shared denial text, which `ToolNode` feeds back to the model. */
function denial(decision: Decision): GovernanceDenied {
  const error = new GovernanceDenied(decision);
  error.message = renderDenial(decision);
  return error;
}

function pickCallbackInput(options: BaseCallbackHandlerInput): BaseCallbackHandlerInput {
  const out: BaseCallbackHandlerInput = {};
  for (const key of ["ignoreLLM", "ignoreChain", "ignoreAgent", "ignoreRetriever", "ignoreCustomEvent", "_awaitHandler"] as const) {
    if (options[key] !== undefined) out[key] = options[key];
  }
  return out;
}

function contextOf(call: CallInfo): Record<string, unknown> {
  const request = buildRequest("", call);
  return request.context;
}

function parseArgs(input: unknown): unknown {
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

function plainOutput(output: unknown): unknown {
  if (typeof output === "object" && output !== null && "content" in output) return (output).content;
  return output;
}

function threadIdOf(metadata: Record<string, unknown> | undefined): string | undefined {
  const id = metadata?.thread_id;
  return typeof id === "string" ? id : undefined;
}
