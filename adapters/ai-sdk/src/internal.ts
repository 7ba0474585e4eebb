/** Shared plumbing of the AI SDK adapter: options, kernel, requests, fail-closed denials. */
import { type AgentRef, createKernel, type Decision, type DecisionRequest, isAgentGovError, type Kernel, type PolicySource, type ReasonCode } from "@agentgov/core";

/** Options shared by {@link governTools}, {@link toolApprovalFor} and {@link governModel}. */
export interface AiSdkGovernOptions {
  /** A shared kernel (preferred). */
  kernel?: Kernel;
  /** Shorthand: a policy file path, YAML text or document (or several). Builds a kernel. */
  policy?: PolicySource | PolicySource[];
  /** The acting agent (the AI SDK never passes one to `execute`). */
  agent: AgentRef;
  /** Throw at setup when a surface cannot be governed (tools without `execute`). Default `false`: audited as ungoverned. */
  strict?: boolean;
  /**
   * The run (thread) id for the audit record. The AI SDK does not hand its own call id
   * to `execute`, `toolApproval` or the model middleware, so give one here: a fixed
   * string, or a function of the tool call.
   */
  runId?: string | ((call: CallInfo) => string | undefined);
}

/** What the adapter knows about one call when it asks for the run id. */
export interface CallInfo {
  /** `pre_tool` tool name, or the model-boundary stage (`input`, `output`). */
  toolName?: string;
  /** The model's tool call id. */
  toolCallId?: string;
  /** The tool context (`context` on ai@7, `experimental_context` on ai@6). */
  context?: unknown;
}

/** Resolves the kernel once per `governTools` / `toolApprovalFor` / `governModel` call. */
export function kernelOf(options: AiSdkGovernOptions): Kernel {
  if (options.kernel !== undefined) return options.kernel;
  const policy = options.policy;
  const policies: PolicySource[] = policy === undefined ? [] : Array.isArray(policy) ? policy : [policy];
  return createKernel({ policies });
}

/** The run id for a call, or undefined; a throwing `runId` function is the caller's error (caught upstream). */
export function runIdOf(options: AiSdkGovernOptions, call: CallInfo): string | undefined {
  const runId = options.runId;
  if (runId === undefined) return undefined;
  return typeof runId === "string" ? runId : runId(call);
}

/** A `pre_tool` request for a tool call. */
export function toolRequest(agent: AgentRef, name: string, server: string | undefined, args: unknown, runId: string | undefined): DecisionRequest {
  const context: Record<string, unknown> = { tool: server === undefined ? { name } : { name, server }, args, action: { type: name } };
  if (runId !== undefined) context.run = { id: runId };
  return { agent, stage: "pre_tool", context };
}

/** The decision of a `GovernanceDenied` (also from another installed copy of core), or undefined. */
export function deniedDecision(error: unknown): Decision | undefined {
  if (!isAgentGovError(error) || error.code !== "DENIED") return undefined;
  const decision = (error as { decision?: unknown }).decision;
  return typeof decision === "object" && decision !== null ? (decision as Decision) : undefined;
}

/** A fail-closed denial for a throw on the enforcement path outside the kernel. */
export function errorDecision(kernel: Kernel | undefined, error: unknown, code: ReasonCode = "internal_error"): Decision {
  let digest = "";
  try {
    digest = kernel?.digest ?? "";
  } catch {
    // A broken kernel still yields a denial.
  }
  return { allowed: false, action: "deny", matched_rule: null, policy: null, code, reason: `Internal error while enforcing: ${messageOf(error)}`, policy_digest: digest };
}

/** The agent's id, for audit entries written by the adapter itself. */
export function agentIdOf(agent: AgentRef): string {
  return typeof agent === "string" ? agent : agent.id;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === "function";
}

/** An MCP tool result: `{ content: [...], structuredContent?, isError? }`. */
export function isMcpResult(value: unknown): value is { content: unknown[]; structuredContent?: unknown; isError?: boolean } {
  return isObject(value) && Array.isArray(value.content);
}

/** JSON text of a value for the model (steer on non-string output); never throws. */
export function toText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    return typeof json === "string" ? json : String(value);
  } catch {
    return String(value);
  }
}

/** Appends a steer message the way the kernel does for strings. */
export function appendSteer(text: string, message: string): string {
  return `${text}\n\n[agentgov] ${message}`;
}
