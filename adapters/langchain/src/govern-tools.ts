/**
 * `governTools(tools, options)`: a `Proxy` on each tool's `invoke` (and `call`), for
 * executors without middleware: `createReactAgent`, custom LangGraph graphs, `ToolNode`,
 * direct `tool.invoke(args)`. The proxy keeps `instanceof`, `name` and `schema`.
 */
import { GOVERNED, GovernanceDenied, renderDenial } from "@agentgov/core";
import { enforceCall, type Enforcer } from "./enforce.js";
import { denialToolMessage, resolveKernel, type CallInfo, type GovernanceOptions } from "./shared.js";

/** Options of {@link governTools}. */
export interface GovernToolsOptions extends GovernanceOptions {
  /** The MCP server the tools come from (`context.tool.server` in conditions), e.g. for `loadMcpTools(name, client)`. */
  server?: string;
  /** The run (thread) id for the audit record, when the caller knows it and the config carries no `thread_id`. */
  runId?: string;
}

interface InvokableTool {
  name: string;
  invoke(input: unknown, config?: unknown): Promise<unknown>;
}

/**
 * Governs each tool. A `ToolNode`-style input (`{ ...toolCall, type: "tool_call" }`) gets a
 * `ToolMessage` back (a denial is an error `ToolMessage` with the shared text); a direct
 * `invoke(args)` gets the tool's value, or the denial text. `onDeny: "throw"` throws
 * `GovernanceDenied` instead. Tool errors are rethrown unchanged, so the executor's own
 * error handling applies. Governing twice returns the same proxies.
 */
export function governTools<T extends readonly object[]>(tools: T, options: GovernToolsOptions): { -readonly [K in keyof T]: T[K] } {
  const enforcer: Enforcer = { kernel: resolveKernel(options), agent: options.agent, strict: options.strict === true };
  return tools.map((tool) => governTool(tool, enforcer, options)) as { -readonly [K in keyof T]: T[K] };
}

function governTool<T extends object>(tool: T, enforcer: Enforcer, options: GovernToolsOptions): T {
  if ((tool as Record<symbol, unknown>)[GOVERNED] === true) return tool;
  const target = tool as unknown as InvokableTool;
  if (typeof target.invoke !== "function" || typeof target.name !== "string") return tool;
  const onDeny = options.onDeny ?? "result";
  const governed = (method: "invoke" | "call") =>
    async function governedInvoke(input: unknown, config?: unknown, ...rest: unknown[]): Promise<unknown> {
      const original = (target as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
      if (typeof original !== "function") throw new TypeError(`${target.name}.${method} is not a function`);
      const toolCall = asToolCall(input);
      const call: CallInfo = {
        name: target.name,
        callId: toolCall?.id ?? configString(config, "toolCallId"),
        args: toolCall === undefined ? input : toolCall.args,
        server: options.server,
        runId: options.runId ?? threadIdOf(config),
      };
      const outcome = await enforceCall(enforcer, call, (args) => {
        const nextInput = toolCall === undefined ? args : args === toolCall.args ? input : { ...toolCall, args };
        return original.call(target, nextInput, config, ...rest);
      });
      if (outcome.type === "tool_error") throw outcome.error;
      if (outcome.type === "result") return outcome.value;
      if (onDeny === "throw") throw new GovernanceDenied(outcome.decision);
      if (toolCall !== undefined) return denialToolMessage(outcome.decision, toolCall.id ?? "", target.name);
      return renderDenial(outcome.decision);
    };
  const invoke = governed("invoke");
  const call = governed("call");
  return new Proxy(tool, {
    get(obj, prop, receiver) {
      if (prop === GOVERNED) return true;
      if (prop === "invoke") return invoke;
      if (prop === "call") return call;
      return Reflect.get(obj, prop, receiver) as unknown;
    },
    has(obj, prop) {
      return prop === GOVERNED || Reflect.has(obj, prop);
    },
  });
}

interface ToolCallInput {
  id?: string;
  name: string;
  args: unknown;
  type: "tool_call";
}

/** The `ToolNode` input shape: `{ ...toolCall, type: "tool_call" }`. */
function asToolCall(input: unknown): ToolCallInput | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const r = input as Record<string, unknown>;
  if (r.type !== "tool_call" || !("args" in r)) return undefined;
  return r as unknown as ToolCallInput;
}

function configString(config: unknown, key: string): string | undefined {
  if (typeof config !== "object" || config === null) return undefined;
  const value = (config as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

function threadIdOf(config: unknown): string | undefined {
  if (typeof config !== "object" || config === null) return undefined;
  const configurable = (config as { configurable?: unknown }).configurable;
  if (typeof configurable !== "object" || configurable === null) return undefined;
  const id = (configurable as Record<string, unknown>).thread_id;
  return typeof id === "string" ? id : undefined;
}
