/**
 * `governTools(tools, options)`: the primary enforcement point of the AI SDK adapter
 * (FRAMEWORKS.md §4). Each tool's `execute` is wrapped so that every call goes through
 * `kernel.enforce`: decided and audited before the body runs, output checked at
 * `post_tool` and redacted, and a denial returned to the model as the shared denial text
 * (the wrapper can only deny soft: a throw would reach the model as `error-text`).
 */
import { AgentGovError, type AgentRef, type AuditEntry, type DecisionRequest, type EnforceOptions, GOVERNED, type Kernel, redactOutput, renderDenial } from "@agentgov/core";
import {
  agentIdOf,
  type AiSdkGovernOptions,
  appendSteer,
  deniedDecision,
  errorDecision,
  isAsyncIterable,
  isMcpResult,
  isObject,
  kernelOf as kernelOfOptions,
  runIdOf,
  toolRequest,
  toText,
} from "./internal.js";

/** Options of {@link governTools}. */
export interface GovernToolsOptions extends AiSdkGovernOptions {
  /** The MCP server these tools come from (`tool.server` in conditions): a name, or a function of the tool name. */
  server?: string | ((toolName: string) => string | undefined);
}

type Fn = (...args: unknown[]) => unknown;

interface Ctx {
  kernel: Kernel;
  agent: AgentRef;
  options: GovernToolsOptions;
  /** Outputs the adapter replaced by a string (denials, serialized steer), by tool call id, for `toModelOutput`. */
  replaced: Map<string, string>;
}

const MAX_REPLACED = 1024;

/**
 * Returns a new tool set whose tools are governed; the input is not modified. Works for
 * `generateText`, `streamText`, `ToolLoopAgent` and MCP tool sets (`await client.tools()`),
 * on ai@6 and ai@7. Tools without `execute` (client-side, provider-executed) cannot be
 * governed: each is audited as ungoverned, or rejected when `strict` is set.
 *
 * @example const tools = governTools({ weather }, { kernel, agent: "support-bot" });
 */
export function governTools<TOOLS extends Record<string, object>>(tools: TOOLS, options: GovernToolsOptions): TOOLS {
  if (!isObject(tools)) throw new AgentGovError("INVALID_OPTIONS", "governTools() takes a tool set (an object of tools)");
  if ((options as Partial<GovernToolsOptions> | undefined)?.agent === undefined) throw new AgentGovError("INVALID_OPTIONS", "governTools() needs { agent }");
  if ((tools as Record<symbol, unknown>)[GOVERNED] === true) return tools;
  const ctx: Ctx = { kernel: kernelOfOptions(options), agent: options.agent, options, replaced: new Map() };
  const out = Object.create(Object.getPrototypeOf(tools) as object | null) as Record<string | symbol, unknown>;
  for (const [name, tool] of Object.entries(tools)) out[name] = governTool(ctx, name, tool);
  Object.defineProperty(out, GOVERNED, { value: true, enumerable: false });
  return out as TOOLS;
}

function governTool(ctx: Ctx, name: string, tool: unknown): unknown {
  if (!isObject(tool)) return tool;
  const execute = tool.execute;
  if (typeof execute !== "function") {
    ungoverned(ctx, name, tool);
    return tool;
  }
  if ((execute as unknown as Record<symbol, unknown>)[GOVERNED] === true || (tool as Record<symbol, unknown>)[GOVERNED] === true) return tool;
  const governedExecute = isAsyncGeneratorFunction(execute) ? generatorExecute(ctx, name, tool, execute as Fn) : plainExecute(ctx, name, tool, execute as Fn);
  Object.defineProperty(governedExecute, GOVERNED, { value: true, enumerable: false });
  // Keep every own property, enumerable or not (e.g. a tool caller definition), and the prototype.
  const descriptors: PropertyDescriptorMap = Object.getOwnPropertyDescriptors(tool);
  descriptors.execute = own(governedExecute);
  const toModelOutput = tool.toModelOutput;
  if (typeof toModelOutput === "function") {
    // A denial or a serialized steer replaces the tool's own output type: show it as text
    // instead of handing it to a converter that expects the tool's output.
    descriptors.toModelOutput = own((opts: unknown) => {
      const id = isObject(opts) && typeof opts.toolCallId === "string" ? opts.toolCallId : undefined;
      const text = id === undefined ? undefined : ctx.replaced.get(id);
      if (text !== undefined && isObject(opts) && opts.output === text) return { type: "text", value: text };
      return Reflect.apply(toModelOutput, tool, [opts]) as unknown;
    });
  }
  const wrapped = Object.create(Object.getPrototypeOf(tool) as object | null, descriptors) as Record<string | symbol, unknown>;
  Object.defineProperty(wrapped, GOVERNED, { value: true, enumerable: false });
  return wrapped;
}

function own(value: unknown): PropertyDescriptor {
  return { value, enumerable: true, writable: true, configurable: true };
}

/** Records a tool the wrapper cannot govern; throws in strict mode. */
function ungoverned(ctx: Ctx, name: string, tool: Record<string, unknown>): void {
  const providerExecuted = tool.type === "provider" || tool.type === "provider-defined";
  const why = providerExecuted ? "it is executed by the provider" : "it has no execute (a client-side tool)";
  const reason = `Tool '${name}' is ungoverned: ${why}, so agentgov cannot enforce decisions on its calls`;
  if (ctx.options.strict === true) throw new AgentGovError("INVALID_OPTIONS", `${reason} (strict mode)`);
  try {
    const entry: AuditEntry = {
      kind: "decision",
      agent: agentIdOf(ctx.agent),
      stage: "pre_tool",
      tool: name,
      action: name,
      decision: { allowed: true, action: "log", matched_rule: null, policy: null, code: "default", reason },
      policy_digest: ctx.kernel.digest,
      ext: { ai_sdk: { ungoverned: true, provider_executed: providerExecuted } },
    };
    ctx.kernel.audit.append(entry);
  } catch {
    // Setup continues; the surface stays ungoverned either way.
  }
}

function isAsyncGeneratorFunction(fn: unknown): boolean {
  return Object.prototype.toString.call(fn) === "[object AsyncGeneratorFunction]";
}

function execInfo(execOptions: unknown): { toolCallId: string | undefined; context: unknown } {
  if (!isObject(execOptions)) return { toolCallId: undefined, context: undefined };
  const toolCallId = typeof execOptions.toolCallId === "string" ? execOptions.toolCallId : undefined;
  // ai@7: `context` (toolsContext[toolName]); ai@6: `experimental_context`.
  const context = execOptions.context ?? execOptions.experimental_context;
  return { toolCallId, context };
}

function plainExecute(ctx: Ctx, name: string, tool: object, original: Fn): Fn {
  return function governedExecute(input: unknown, execOptions: unknown): Promise<unknown> {
    return governedCall(ctx, name, input, execOptions, (args) => Reflect.apply(original, tool, [args, execOptions]));
  };
}

/** Carries an MCP `isError` result through the kernel, which audits it as the tool's error. */
class McpToolError extends Error {
  constructor(readonly result: unknown) {
    super(mcpErrorText(result));
    this.name = "McpToolError";
  }
}

function mcpErrorText(result: unknown): string {
  if (!isMcpResult(result)) return "MCP tool error";
  const texts = result.content.flatMap((c) => (isObject(c) && typeof c.text === "string" ? [c.text] : []));
  return texts.length === 0 ? "MCP tool error" : texts.join("\n");
}

/**
 * One governed call: enforce, then shape what the model sees. Never throws, except the
 * tool's own error (rethrown unchanged so that the SDK feeds it back as `error-text`).
 */
async function governedCall(ctx: Ctx, name: string, input: unknown, execOptions: unknown, invoke: (args: unknown) => unknown, request?: DecisionRequest): Promise<unknown> {
  const { toolCallId, context } = execInfo(execOptions);
  // Set inside the kernel's run callback (an object, so that control flow analysis sees the writes).
  const state: { toolFailed: boolean; mcpError: { result: unknown } | undefined; rawWasString: boolean } = { toolFailed: false, mcpError: undefined, rawWasString: true };
  const steers: string[] = [];
  try {
    const req = request ?? buildRequest(ctx, name, input, toolCallId, context);
    const enforceOptions: EnforceOptions = { onSteer: (message) => steers.push(message) };
    if (toolCallId !== undefined) enforceOptions.callId = toolCallId;
    let output = await ctx.kernel.enforce(
      req,
      async (args) => {
        let result: unknown;
        try {
          result = await invoke(args);
          // A plain function that returns an async iterable: its last value is the output.
          if (isAsyncIterable(result)) result = await lastValue(result);
        } catch (toolError) {
          state.toolFailed = true;
          throw toolError;
        }
        if (isMcpResult(result) && result.isError === true) {
          state.mcpError = { result };
          throw new McpToolError(result);
        }
        state.rawWasString = typeof result === "string";
        return result;
      },
      enforceOptions,
    );
    if (typeof output !== "string" && steers.length > 0) {
      // The kernel appends a steer message to strings only: serialize, then append (FRAMEWORKS.md §4.2-8).
      let text = toText(output);
      for (const message of steers) text = appendSteer(text, message);
      output = text;
    }
    if (!state.rawWasString && typeof output === "string") remember(ctx, toolCallId, output);
    return output;
  } catch (error) {
    if (state.toolFailed) throw error;
    // An MCP error result reaches the model as the server sent it (audited as an error).
    if (state.mcpError !== undefined) return state.mcpError.result;
    const decision = deniedDecision(error) ?? errorDecision(ctx.kernel, error);
    const text = renderDenial(decision);
    remember(ctx, toolCallId, text);
    return text;
  }
}

function buildRequest(ctx: Ctx, name: string, input: unknown, toolCallId: string | undefined, context: unknown): DecisionRequest {
  const call: { toolName: string; toolCallId?: string; context?: unknown } = { toolName: name };
  if (toolCallId !== undefined) call.toolCallId = toolCallId;
  if (context !== undefined) call.context = context;
  const server = ctx.options.server;
  return toolRequest(ctx.agent, name, typeof server === "function" ? server(name) : server, input, runIdOf(ctx.options, call));
}

function remember(ctx: Ctx, toolCallId: string | undefined, text: string): void {
  if (toolCallId === undefined) return;
  if (ctx.replaced.size >= MAX_REPLACED) {
    const oldest = ctx.replaced.keys().next();
    if (oldest.done !== true) ctx.replaced.delete(oldest.value);
  }
  ctx.replaced.set(toolCallId, text);
}

async function lastValue(iterable: AsyncIterable<unknown>): Promise<unknown> {
  let last: unknown;
  for await (const value of iterable) last = value;
  return last;
}

/**
 * An async-generator `execute` (preliminary results): each preliminary value is screened
 * with the `post_tool` decision (withheld when it denies, redacted when it transforms)
 * while the generator runs inside `kernel.enforce`; the governed final output comes last.
 */
function generatorExecute(ctx: Ctx, name: string, tool: object, original: Fn): Fn {
  return async function* governedExecute(input: unknown, execOptions: unknown): AsyncGenerator<unknown, void, unknown> {
    const queue: unknown[] = [];
    let wake: (() => void) | undefined;
    const flags = { settled: false };
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const { toolCallId, context } = execInfo(execOptions);
    let request: DecisionRequest | undefined;
    try {
      request = buildRequest(ctx, name, input, toolCallId, context);
    } catch {
      // governedCall fails closed on the same error.
    }
    const final = governedCall(
      ctx,
      name,
      input,
      execOptions,
      async (args) => {
        const iterable = Reflect.apply(original, tool, [args, execOptions]) as AsyncIterable<unknown>;
        let last: unknown;
        for await (const value of iterable) {
          last = value;
          const screened = screenPreliminary(ctx, request, value);
          if (screened !== WITHHELD) {
            queue.push(screened);
            notify();
          }
        }
        return last;
      },
      request,
    ).finally(() => {
      flags.settled = true;
      notify();
    });
    final.catch(() => undefined);
    for (;;) {
      while (queue.length > 0) yield queue.shift();
      if (flags.settled) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    yield await final;
  };
}

const WITHHELD = Symbol("withheld");

function screenPreliminary(ctx: Ctx, request: DecisionRequest | undefined, value: unknown): unknown {
  if (request === undefined) return WITHHELD;
  try {
    const post = ctx.kernel.decide({ agent: request.agent, stage: "post_tool", context: { ...request.context, output: value } });
    if (!post.allowed && post.code !== "default") return WITHHELD;
    return post.action === "transform" ? redactOutput(value, post.transform?.redact) : value;
  } catch {
    return WITHHELD;
  }
}
