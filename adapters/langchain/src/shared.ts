/**
 * What the three LangChain mechanisms share: the options object, the kernel it resolves
 * to, the request a tool call becomes, and the one enforcement routine that the
 * middleware and the tool wrapper both go through (so their audit records, denial texts
 * and output handling are identical).
 */
import { ToolMessage } from "@langchain/core/messages";
import {
  createKernel,
  GovernanceDenied,
  isAgentGovError,
  renderDenial,
  type AgentRef,
  type Decision,
  type DecisionRequest,
  type Kernel,
  type PolicySource,
  type ReasonCode,
} from "@agentgov/core";

/** Options shared by `governanceMiddleware`, `governTools` and `GovernanceCallbackHandler`. */
export interface GovernanceOptions {
  /** A shared kernel (preferred: one audit log for every mechanism and agent). */
  kernel?: Kernel;
  /** Shorthand: a policy file path, YAML text or document (or several). Builds a kernel. Ignored when `kernel` is given. */
  policy?: PolicySource | readonly PolicySource[];
  /** The acting agent (LangChain does not pass it to the enforcement point). */
  agent: AgentRef;
  /**
   * `result` (default): a denied call becomes a denial result the model sees, and the run
   * continues. `throw`: the run rejects with `GovernanceDenied` (LangChain may wrap it).
   */
  onDeny?: "result" | "throw";
  /** Refuse what cannot be governed (a tool returning a LangGraph `Command`) instead of passing it through audited. */
  strict?: boolean;
}

/** The kernel of an options object: the given one, or one built from `policy`. */
export function resolveKernel(options: GovernanceOptions): Kernel {
  if (options.kernel !== undefined) return options.kernel;
  const policy = options.policy;
  const policies: PolicySource[] = policy === undefined ? [] : Array.isArray(policy) ? [...(policy as readonly PolicySource[])] : [policy as PolicySource];
  return createKernel({ policies });
}

/** One tool call, framework-neutral. */
export interface CallInfo {
  name: string;
  /** The model's tool call id. */
  callId?: string | undefined;
  args: unknown;
  server?: string | undefined;
  /** The run (thread) id. */
  runId?: string | undefined;
  step?: number | undefined;
}

/** The `pre_tool` request of a call. */
export function buildRequest(agent: AgentRef, call: CallInfo): DecisionRequest {
  const tool: Record<string, unknown> = call.server === undefined ? { name: call.name } : { name: call.name, server: call.server };
  const context: Record<string, unknown> = { tool, args: call.args, action: { type: call.name } };
  if (call.runId !== undefined) context.run = call.step === undefined ? { id: call.runId } : { id: call.runId, step: call.step };
  return { agent, stage: "pre_tool", context };
}

/** A denial built by the adapter itself (a fault on the enforcement path, something it cannot govern). */
export function adapterDenial(kernel: Kernel | undefined, code: ReasonCode, reason: string): Decision {
  let digest = "";
  try {
    digest = kernel?.digest ?? "";
  } catch {
    // The digest is informative only.
  }
  return { allowed: false, action: "deny", matched_rule: null, policy: null, code, reason, policy_digest: digest };
}

/** The decision of a `GovernanceDenied` (also one thrown by another installed copy of core). */
export function deniedDecision(error: unknown): Decision | undefined {
  if (error instanceof GovernanceDenied) return error.decision;
  if (isAgentGovError(error) && error.code === "DENIED") {
    const decision = (error as unknown as { decision?: unknown }).decision;
    if (typeof decision === "object" && decision !== null) return decision as Decision;
  }
  return undefined;
}

/** The LangGraph `Command` brand (duck-typed, as LangGraph's own `isCommand` does). */
export function isCommand(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { lg_name?: unknown }).lg_name === "Command";
}

/** True for errors LangGraph uses for control flow (interrupts, parent commands): never turned into results. */
export function isGraphControlFlow(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { is_bubble_up?: unknown; name?: unknown };
  return e.is_bubble_up === true || e.name === "GraphInterrupt" || e.name === "NodeInterrupt" || e.name === "ParentCommand";
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A denial as the model sees it: an error `ToolMessage` carrying the shared denial text. */
export function denialToolMessage(decision: Decision, toolCallId: string, name: string): ToolMessage {
  return new ToolMessage({ content: renderDenial(decision), tool_call_id: toolCallId, name, status: "error" });
}

/** LangChain's default feedback for a tool that threw (`ToolNode`'s `handleToolErrors`). */
export function toolErrorMessage(error: unknown, toolCallId: string, name: string): ToolMessage {
   
  return new ToolMessage({ content: `${error as string}\n Please fix your mistakes.`, tool_call_id: toolCallId, name, status: "error" });
}

/** Appended to a non-string output by the adapter, in the kernel's own steer format. */
export function steerSuffix(text: string): string {
  return `\n\n[agentgov] ${text}`;
}

const MCP_STRUCTURED = "mcp_structured_content";

/**
 * What the kernel sees as `output` of a `ToolMessage`: its content when there is no
 * artifact; otherwise `{ content, artifact, structuredContent? }`, the structured MCP data
 * lifted to the top so that `output.structuredContent.<field>` paths work as for MCP
 * results elsewhere, and every copy of a redacted value (content text, artifact) is scrubbed.
 */
export function toolMessageView(message: ToolMessage): unknown {
  if (message.artifact === undefined) return message.content;
  const view: Record<string, unknown> = { content: message.content, artifact: message.artifact };
  const structured = structuredOf(message.artifact);
  if (structured !== undefined) view.structuredContent = structured;
  return view;
}

function structuredOf(artifact: unknown): unknown {
  if (!Array.isArray(artifact)) return undefined;
  for (const item of artifact as unknown[]) {
    if (typeof item === "object" && item !== null && (item as { type?: unknown }).type === MCP_STRUCTURED) return (item as { data?: unknown }).data;
  }
  return undefined;
}

/** Rebuilds a `ToolMessage` from the (redacted, steered) view, keeping id, name, status and metadata. */
export function fromToolMessageView(original: ToolMessage, view: unknown, steer: string | undefined): ToolMessage {
  let content: unknown;
  let artifact: unknown;
  if (original.artifact === undefined) {
    content = view;
  } else if (typeof view === "object" && view !== null && !Array.isArray(view) && "content" in view) {
    content = (view).content;
    artifact = (view as { artifact?: unknown }).artifact;
    // Keep the artifact in step with a redacted structuredContent.
    const structured = (view as { structuredContent?: unknown }).structuredContent;
    if (structured !== undefined && Array.isArray(artifact)) {
      artifact = (artifact as unknown[]).map((item) =>
        typeof item === "object" && item !== null && (item as { type?: unknown }).type === MCP_STRUCTURED ? { ...(item), data: structured } : item,
      );
    }
  } else {
    // The whole output was replaced (`redact: ["output"]`): the artifact goes too.
    content = typeof view === "string" ? view : JSON.stringify(view);
  }
  if (steer !== undefined) content = appendText(content, steer);
  const fields: ConstructorParameters<typeof ToolMessage>[0] = {
    content: normalizeContent(content),
    tool_call_id: original.tool_call_id,
    response_metadata: original.response_metadata,
  };
  if (original.name !== undefined) fields.name = original.name;
  if (original.status !== undefined) fields.status = original.status;
  if (original.id !== undefined) fields.id = original.id;
  if (artifact !== undefined) fields.artifact = artifact;
  return new ToolMessage(fields);
}

/** Appends steer text (kernel format) to string content, or as a text block to block content. */
export function appendText(content: unknown, steer: string): unknown {
  if (typeof content === "string") return content + steerSuffix(steer);
  if (Array.isArray(content)) return [...(content as unknown[]), { type: "text", text: steerSuffix(steer).trimStart() }];
  return `${JSON.stringify(content)}${steerSuffix(steer)}`;
}

function normalizeContent(content: unknown): ToolMessage["content"] {
  if (typeof content === "string" || Array.isArray(content)) return content as ToolMessage["content"];
  return JSON.stringify(content);
}
