/**
 * Function tools and MCP servers (FRAMEWORKS.md §3.1): one `kernel.enforce` per call,
 * split across the SDK's three points.
 *
 * - The **input guardrail** starts `enforce`. The kernel decides, audits the decision,
 *   asks the approval handler and then calls the body: at that moment the guardrail
 *   returns `allow` and leaves the call pending under (run context, call id). When the
 *   kernel refuses instead, the guardrail returns `rejectContent(denial)` (the body never
 *   runs) or, with `onDeny: "throw"`, throws `GovernanceDenied`.
 * - The **`invoke` wrapper** (function tools) picks the pending call up, runs the original
 *   `invoke` with the kernel's (possibly transformed) arguments, hands the output back to
 *   the kernel (`post_tool`, redaction, steer, outcome record) and returns what the model
 *   may see.
 * - The **output guardrail** finishes calls no `invoke` wrapper saw: MCP tools (converted
 *   per lookup, so they have no stable `invoke`) and any function tool whose `invoke` was
 *   replaced after governing. It can only replace the output with text (§3.2-6).
 *
 * Every throw on this path becomes a deny with an error code (fail closed, §3.2-4).
 */
import { GOVERNED, GovernanceDenied } from "@agentgov/core";
import type { AgentRef, DecisionRequest, Kernel } from "@agentgov/core";
import { defineToolInputGuardrail, defineToolOutputGuardrail, ToolGuardrailFunctionOutputFactory } from "@openai/agents";
import type { FunctionTool, MCPServer, ToolGuardrailFunctionOutput, ToolInputGuardrailDefinition, ToolOutputGuardrailDefinition } from "@openai/agents";
import { adapterDenial, buildRequest, denialError, denialOf, denialText, errorMessage, type Gate, type NamedAgent, parseArgs, recordOutside } from "./context.js";

/** What the SDK gives the model when a `tool()` body throws and no `errorFunction` was set (§3.2-8). */
export const SDK_DEFAULT_TOOL_ERROR = "An error occurred while running the tool. Please try again.";

/** Marks text appended by a `steer` decision (the kernel's own marker). */
const STEER_MARK = "\n\n[agentgov] ";

const G = ToolGuardrailFunctionOutputFactory;

/** A call the kernel let run and is waiting on: its body's outcome completes `enforce`. */
interface PendingCall {
  /** The arguments as the model sent them (parsed). */
  readonly original: unknown;
  /** The arguments the kernel hands the body (transform applied). */
  readonly args: unknown;
  readonly result: Promise<unknown>;
  readonly steer: string[];
  complete(outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void;
  readonly agent: AgentRef;
  readonly tool: string;
  readonly callId: string;
  readonly runId: string | undefined;
}

/** Calls between their input guardrail and their body, by run context, then by call id. */
const PENDING = new WeakMap<object, Map<string, PendingCall>>();

/**
 * How long an allowed function-tool call may wait for its `invoke` (normally the same tick:
 * the SDK calls it right after the guardrails). A call the SDK cancels in between (a sibling
 * aborted the run) is then closed with an `error` outcome instead of staying `pending`.
 */
export const ABANDONED_CALL_MS = 60_000;

function stash(runContext: object, call: PendingCall, expires: boolean): void {
  let calls = PENDING.get(runContext);
  if (calls === undefined) {
    calls = new Map();
    PENDING.set(runContext, calls);
  }
  calls.set(call.callId, call);
  if (!expires) return;
  const timer = setTimeout(() => {
    if (calls.get(call.callId) !== call) return;
    calls.delete(call.callId);
    call.complete({ ok: false, error: new Error("The SDK did not execute the allowed tool call (cancelled)") });
  }, ABANDONED_CALL_MS);
  timer.unref();
}

function take(runContext: unknown, callId: unknown): PendingCall | undefined {
  if (typeof runContext !== "object" || runContext === null || typeof callId !== "string") return undefined;
  const calls = PENDING.get(runContext);
  const call = calls?.get(callId);
  if (call !== undefined) calls?.delete(callId);
  return call;
}

/** MCP content the server flagged `isError` (seen by wrapping the server's `callTool`, §3.2-7). */
const MCP_ERRORS = new WeakSet<object>();

/** Errors `reportToolErrors()` saw, by run context, then by call id, until the `invoke` wrapper takes them. */
const REPORTED = new WeakMap<object, Map<string, unknown>>();

function takeReported(runContext: unknown, callId: unknown): { error: unknown } | undefined {
  if (typeof runContext !== "object" || runContext === null || typeof callId !== "string") return undefined;
  const errors = REPORTED.get(runContext);
  if (errors?.has(callId) !== true) return undefined;
  const error = errors.get(callId);
  errors.delete(callId);
  return { error };
}

/**
 * An `errorFunction` for the SDK's `tool()`: the model sees the error's message (by default
 * `An error occurred while running the tool: <message>`), and the audit records the tool's
 * own error. Without it, `tool()` swallows the error before any wrapper sees it (§3.2-8):
 * the model gets the SDK's fixed text, and the adapter can audit only that an error occurred.
 * Error messages can carry details the model should not see; pass `format` to choose.
 *
 * @example tool({ name, parameters, execute, errorFunction: reportToolErrors() })
 */
export function reportToolErrors(format: (error: unknown) => string = (error) => `An error occurred while running the tool: ${errorMessage(error)}`) {
  return (runContext: object, error: unknown, details?: { toolCall?: { callId?: string } }): string => {
    const callId = details?.toolCall?.callId;
    if (typeof callId === "string") {
      let errors = REPORTED.get(runContext);
      if (errors === undefined) {
        errors = new Map();
        REPORTED.set(runContext, errors);
      }
      errors.set(callId, error);
    }
    return format(error);
  };
}

/** Thrown into `enforce` so that the kernel audits a tool error the SDK turned into text. */
class ReportedToolError extends Error {
  constructor(readonly output: string, reported?: { error: unknown }) {
    super(reported === undefined ? output : errorMessage(reported.error));
    this.name = reported?.error instanceof Error ? reported.error.name : "ToolError";
  }
}

/** Where a tool comes from: a function tool of an agent, or a tool of an MCP server. */
interface ToolSpec {
  /** The MCP server name, for MCP tools. */
  readonly server?: string;
  /** The name of the agent the tool was found on (identity fallback). */
  readonly owner: string;
}

type Started =
  | { kind: "run"; call: PendingCall }
  | { kind: "denied"; error: unknown };

/**
 * Starts `kernel.enforce` and waits until the kernel either calls the body (allowed) or
 * refuses. The body's outcome is supplied later through `complete`.
 */
async function start(kernel: Kernel, request: DecisionRequest, fields: { agent: AgentRef; tool: string; callId: string; runId: string | undefined; original: unknown }): Promise<Started> {
  let release: (args: unknown) => void = () => undefined;
  const released = new Promise<unknown>((resolve) => {
    release = resolve;
  });
  let complete: PendingCall["complete"] = () => undefined;
  const body = new Promise<unknown>((resolve, reject) => {
    complete = (outcome) => {
      if (outcome.ok) resolve(outcome.value);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the tool's own error passes through unchanged
      else reject(outcome.error);
    };
  });
  const steer: string[] = [];
  let result: Promise<unknown>;
  try {
    result = kernel.enforce(request, (args) => {
      release(args);
      return body;
    }, { callId: fields.callId, onSteer: (message) => steer.push(message) });
  } catch (error) {
    result = Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  result.catch(() => undefined);
  const first = await Promise.race([
    released.then((args) => ({ kind: "run" as const, args })),
    result.then(
      () => ({ kind: "denied" as const, error: new Error("the kernel finished without running the tool") }),
      (error: unknown) => ({ kind: "denied" as const, error }),
    ),
  ]);
  if (first.kind === "denied") return first;
  return { kind: "run", call: { ...fields, args: first.args, result, steer, complete } };
}

/** True when the kernel's arguments differ from the model's (a transform changed them). */
function argsChanged(call: PendingCall): boolean {
  if (call.args === call.original) return false;
  try {
    return JSON.stringify(call.args) !== JSON.stringify(call.original);
  } catch {
    return true;
  }
}

/** The input guardrail: the `pre_tool` decision, approvals and the decision record. */
function inputGuardrail(gate: Gate, spec: ToolSpec, canApplyArgs: boolean): ToolInputGuardrailDefinition {
  return defineToolInputGuardrail({
    name: "agentgov",
    run: async ({ context, agent, toolCall }): Promise<ToolGuardrailFunctionOutput> => {
      const tool = typeof toolCall.name === "string" ? toolCall.name : "";
      const callId = typeof toolCall.callId === "string" ? toolCall.callId : undefined;
      let identity: AgentRef = spec.owner;
      let runId: string | undefined;
      try {
        identity = gate.identity(agent as NamedAgent | undefined, spec.owner);
        runId = gate.runId(context);
        if (callId === undefined) throw new Error("the tool call has no call id");
        const original = parseArgs(toolCall.arguments);
        const request = buildRequest({ agent: identity, stage: "pre_tool", tool, server: spec.server, args: original, action: tool, runId });
        const started = await start(gate.kernel, request, { agent: identity, tool, callId, runId, original });
        if (started.kind === "denied") return refuse(gate, started.error, { agent: identity, tool, callId, runId });
        const call = started.call;
        if (!canApplyArgs && argsChanged(call)) {
          // MCP tools have no stable invoke to receive new arguments (§3.2-5): deny.
          const decision = adapterDenial(gate.kernel, "transform_unsupported", `The policy rewrites the arguments of MCP tool '${tool}', which the OpenAI Agents SDK cannot pass on; the call is denied`);
          const denied = new GovernanceDenied(decision);
          call.complete({ ok: false, error: denied });
          await call.result.catch(() => undefined);
          return refuse(gate, denied, { agent: identity, tool, callId, runId }, false);
        }
        stash(context, call, spec.server === undefined);
        return G.allow({ agentgov: "allowed" });
      } catch (error) {
        return refuse(gate, error, { agent: identity, tool, callId, runId });
      }
    },
  });
}

/** A refused call: the denial text for the model, or `GovernanceDenied` in throw mode. Records adapter-side denials. */
function refuse(gate: Gate, error: unknown, call: { agent: AgentRef; tool: string; callId: string | undefined; runId: string | undefined }, record = true): ToolGuardrailFunctionOutput {
  const decision = denialOf(gate.kernel, error);
  if (record && !(error instanceof GovernanceDenied)) {
    recordOutside(gate.kernel, { agent: call.agent, stage: "pre_tool", tool: call.tool, callId: call.callId, runId: call.runId, decision, status: "denied" });
  }
  if (gate.onDeny === "throw") throw denialError(decision, error);
  return G.rejectContent(denialText(decision), { agentgov: decision });
}

/** The text of a tool output as the model reads it (MCP content blocks joined). */
export function textOf(output: unknown): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) return output.map((item) => textOf(item)).join("\n");
  if (typeof output === "object" && output !== null) {
    const o = output as Record<string, unknown>;
    if (o.type === "text" && typeof o.text === "string") return o.text;
    if (Array.isArray(o.content)) return textOf(o.content);
  }
  try {
    // JSON.stringify returns undefined for undefined, functions and symbols.
    const json = JSON.stringify(output) as string | undefined;
    return typeof json === "string" ? json : String(output);
  } catch {
    return String(output);
  }
}

/** Appends steer messages the kernel could not append itself (non-string output). */
function withSteer(final: unknown, steer: readonly string[]): unknown {
  if (steer.length === 0 || typeof final === "string") return final;
  return `${textOf(final)}${steer.map((s) => `${STEER_MARK}${s}`).join("")}`;
}

/** An MCP output in the shape `post_tool` rules and redaction read: `{ content, structuredContent? }`. */
function mcpShape(output: unknown): { content: unknown[]; structuredContent?: unknown } {
  const items = Array.isArray(output) ? (output as unknown[]) : [typeof output === "string" ? { type: "text", text: output } : output];
  const shaped: { content: unknown[]; structuredContent?: unknown } = { content: items };
  // MCP servers serialise structuredContent as the text of a content block (and the SDK's
  // useStructuredContent passes that JSON string on): expose it so output.structuredContent.* paths apply.
  if (items.length === 1) {
    const parsed = parseArgs(textOf(items[0]));
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) shaped.structuredContent = parsed;
  }
  return shaped;
}

/** The output guardrail: finishes calls whose body no `invoke` wrapper saw (MCP tools). */
function outputGuardrail(gate: Gate, spec: ToolSpec): ToolOutputGuardrailDefinition {
  return defineToolOutputGuardrail({
    name: "agentgov",
    run: async ({ context, toolCall, output }): Promise<ToolGuardrailFunctionOutput> => {
      const call = take(context, toolCall.callId);
      if (call === undefined) return G.allow();
      try {
        if (typeof output === "object" && output !== null && MCP_ERRORS.has(output)) {
          call.complete({ ok: false, error: new ReportedToolError(textOf(output)) });
          await call.result.catch(() => undefined);
          return G.allow({ agentgov: "tool_error" });
        }
        const presented = spec.server === undefined ? output : mcpShape(output);
        call.complete({ ok: true, value: presented });
        const final = await call.result;
        if (final === presented && call.steer.length === 0) return G.allow();
        return G.rejectContent(textOf(withSteer(final, call.steer)), { agentgov: "rewritten" });
      } catch (error) {
        const decision = denialOf(gate.kernel, error);
        if (!(error instanceof GovernanceDenied)) {
          recordOutside(gate.kernel, { agent: call.agent, stage: "post_tool", tool: call.tool, callId: call.callId, runId: call.runId, decision, status: "denied" });
        }
        if (gate.onDeny === "throw") throw denialError(decision, error);
        return G.rejectContent(denialText(decision), { agentgov: decision });
      }
    },
  });
}

type Invoke = FunctionTool["invoke"];

/** The `invoke` wrapper: runs the body with the kernel's arguments and returns what the model may see. */
function governedInvoke(gate: Gate, spec: ToolSpec, tool: FunctionTool, original: Invoke): Invoke {
  return async function invoke(runContext, input, details) {
    const callId = details?.toolCall?.callId;
    const call = take(runContext, callId);
    if (call === undefined) return directInvoke(gate, spec, tool, original, runContext, input, details);
    let output: unknown;
    try {
      output = await original.call(tool, runContext, argsChanged(call) ? JSON.stringify(call.args) : input, details);
    } catch (toolError) {
      // The tool's own error: audited by the kernel, then the framework's default (rethrow).
      call.complete({ ok: false, error: toolError });
      await call.result.catch(() => undefined);
      throw toolError;
    }
    const reported = takeReported(runContext, callId);
    if (reported !== undefined || output === SDK_DEFAULT_TOOL_ERROR) {
      // tool() already turned the body's throw into text (§3.2-8): audit it as the error it was.
      call.complete({ ok: false, error: reported === undefined ? new ReportedToolError(String(output)) : reported.error });
      await call.result.catch(() => undefined);
      return output;
    }
    call.complete({ ok: true, value: output });
    try {
      return withSteer(await call.result, call.steer);
    } catch (error) {
      const decision = denialOf(gate.kernel, error);
      if (!(error instanceof GovernanceDenied)) {
        recordOutside(gate.kernel, { agent: call.agent, stage: "post_tool", tool: call.tool, callId: call.callId, runId: call.runId, decision, status: "denied" });
      }
      if (gate.onDeny === "throw") throw denialError(decision, error);
      return denialText(decision);
    }
  };
}

/** `invoke` called without its guardrail (outside the runner, or guardrails removed): the whole call is enforced here. */
async function directInvoke(gate: Gate, spec: ToolSpec, tool: FunctionTool, original: Invoke, runContext: Parameters<Invoke>[0], input: string, details: Parameters<Invoke>[2]): Promise<unknown> {
  const callId = details?.toolCall?.callId;
  let request: DecisionRequest;
  let args: unknown;
  try {
    args = parseArgs(input);
    request = buildRequest({ agent: gate.identity(undefined, spec.owner), stage: "pre_tool", tool: tool.name, server: spec.server, args, action: tool.name, runId: gate.runId(runContext) });
  } catch (error) {
    const decision = denialOf(gate.kernel, error);
    recordOutside(gate.kernel, { agent: spec.owner, stage: "pre_tool", tool: tool.name, callId, runId: undefined, decision, status: "denied" });
    if (gate.onDeny === "throw") throw denialError(decision, error);
    return denialText(decision);
  }
  const steer: string[] = [];
  try {
    const final = await gate.kernel.enforce(request, async (finalArgs) => {
      const out: unknown = await original.call(tool, runContext, finalArgs === args ? input : JSON.stringify(finalArgs), details);
      const reported = takeReported(runContext, callId);
      if (reported !== undefined || out === SDK_DEFAULT_TOOL_ERROR) throw new ReportedToolError(String(out), reported);
      return out;
    }, { ...(callId === undefined ? {} : { callId }), onSteer: (m) => steer.push(m) });
    return withSteer(final, steer);
  } catch (error) {
    if (error instanceof ReportedToolError) return error.output;
    if (!(error instanceof GovernanceDenied)) throw error;
    if (gate.onDeny === "throw") throw error;
    return denialText(error.decision);
  }
}

/** Attaches the guardrails and the `invoke` wrapper to a function tool (once). */
export function governFunctionTool(gate: Gate, tool: FunctionTool, owner: string): void {
  const marked = tool as unknown as Record<symbol, unknown>;
  if (marked[GOVERNED] === true) return;
  const spec: ToolSpec = { owner };
  tool.inputGuardrails = [...(tool.inputGuardrails ?? []), inputGuardrail(gate, spec, true)];
  tool.outputGuardrails = [outputGuardrail(gate, spec), ...(tool.outputGuardrails ?? [])];
  tool.invoke = governedInvoke(gate, spec, tool, tool.invoke);
  Object.defineProperty(tool, GOVERNED, { value: true, enumerable: false, configurable: true });
}

type CallTool = MCPServer["callTool"];
type CallToolResult = NonNullable<MCPServer["callToolResult"]>;

/** Attaches the server-level guardrails to an MCP server (once) and watches its results for `isError`. */
export function governMcpServer(gate: Gate, server: MCPServer, owner: string): void {
  const marked = server as unknown as Record<symbol, unknown>;
  if (marked[GOVERNED] === true) return;
  const spec: ToolSpec = { owner, server: server.name };
  server.toolInputGuardrails = [...(server.toolInputGuardrails ?? []), inputGuardrail(gate, spec, false)];
  server.toolOutputGuardrails = [outputGuardrail(gate, spec), ...(server.toolOutputGuardrails ?? [])];
  const markErrors = (result: unknown): void => {
    const r = result as { isError?: unknown; content?: unknown } | null;
    if (r === null || typeof r !== "object") return;
    const content: unknown[] | undefined = Array.isArray(result) ? (result as unknown[]) : Array.isArray(r.content) ? (r.content as unknown[]) : undefined;
    const isError = r.isError === true || (content as { isError?: unknown } | undefined)?.isError === true;
    if (!isError || content === undefined) return;
    MCP_ERRORS.add(content);
    for (const item of content) if (typeof item === "object" && item !== null) MCP_ERRORS.add(item);
  };
  const callTool: CallTool = server.callTool.bind(server);
  server.callTool = async (...params: Parameters<CallTool>) => {
    const result = await callTool(...params);
    markErrors(result);
    return result;
  };
  if (typeof server.callToolResult === "function") {
    const callToolResult: CallToolResult = server.callToolResult.bind(server);
    server.callToolResult = async (...params: Parameters<CallToolResult>) => {
      const result = await callToolResult(...params);
      markErrors(result);
      return result;
    };
  }
  Object.defineProperty(server, GOVERNED, { value: true, enumerable: false, configurable: true });
}
