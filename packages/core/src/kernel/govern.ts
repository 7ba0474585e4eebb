/**
 * `govern(fn, options)`: the one-line wrapper. The returned function has the tool's
 * parameters and returns a promise of its result; every call is decided, audited and
 * enforced by the kernel.
 */
import { AgentGovError, GovernanceDenied } from "../errors.js";
import type { PolicySource } from "../policy/load.js";
import type { AgentRef, DecisionRequest } from "../policy/types.js";
import { createKernel } from "./create-kernel.js";
import type { EnforceOptions, Kernel, KernelOptions } from "./types.js";

/** Marks a function or object agentgov already governs, so that governing twice attaches once. */
export const GOVERNED: unique symbol = Symbol.for("agentgov.governed") as never;

/** Top-level context names that `govern` and the adapters fill (POLICY.md §2). */
export const RESERVED_CONTEXT_KEYS = ["tool", "args", "action", "agent", "run", "output", "target", "text"] as const;

/** Options of {@link govern}: a shared `kernel`, or a `policy` shorthand, plus the agent identity. */
export interface GovernOptions extends Omit<KernelOptions, "policies"> {
  /** The acting agent. */
  agent: AgentRef;
  /** A shared kernel (preferred when several tools are governed). */
  kernel?: Kernel;
  /** Shorthand: a policy file path, YAML text or document (or several). Builds a kernel. */
  policy?: PolicySource | readonly PolicySource[];
  /** The tool's name (default: the function's name). */
  name?: string;
  /** The action type (default: the tool's name). */
  action?: string;
  /** MCP server name, where there is one. */
  server?: string;
  /** The run (thread) id, for the audit record. */
  runId?: string;
  /** Extra context keys for conditions (must not collide with the reserved names). */
  context?: (args: unknown) => Record<string, unknown>;
}

/** A governed function: same parameters, a promise of the same result, and its kernel. */
export type Governed<F extends (...args: never[]) => unknown> = ((...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>) & { readonly kernel: Kernel };

/**
 * Wraps a sync or async tool so that each call is governed. The first parameter is the
 * tool's arguments (`args` in conditions); further parameters pass through unchanged.
 *
 * @example const safeTool = govern(myTool, { policy: "policy.yaml", agent: "support-bot" });
 */
export function govern<F extends (...args: never[]) => unknown>(fn: F, options: GovernOptions): Governed<F> {
  if (typeof fn !== "function") throw new AgentGovError("INVALID_OPTIONS", "govern() takes a function to wrap");
  if ((fn as unknown as Record<symbol, unknown>)[GOVERNED] === true) return fn as unknown as Governed<F>;
  const kernel = options.kernel ?? createKernel(kernelOptions(options));
  const name = options.name ?? fn.name;
  if (name === "") throw new AgentGovError("INVALID_OPTIONS", "govern() needs a tool name: pass { name } for an anonymous function");
  const action = options.action ?? name;
  const tool: Record<string, unknown> = options.server === undefined ? { name } : { name, server: options.server };
  const governed = async (...params: Parameters<F>): Promise<Awaited<ReturnType<F>>> => {
    const [args, ...rest] = params as unknown[];
    const request = buildRequest(options, tool, action, args);
    const enforceOptions: EnforceOptions = {};
    return kernel.enforce(request, (finalArgs) => fn(...([finalArgs, ...rest] as Parameters<F>)) as Awaited<ReturnType<F>>, enforceOptions);
  };
  return Object.assign(governed, { kernel, [GOVERNED]: true });
}

function buildRequest(options: GovernOptions, tool: Record<string, unknown>, action: string, args: unknown): DecisionRequest {
  const context: Record<string, unknown> = { tool, args, action: { type: action } };
  if (options.runId !== undefined) context.run = { id: options.runId };
  if (options.context !== undefined) {
    const extra = options.context(args);
    const clash = Object.keys(extra).find((k) => (RESERVED_CONTEXT_KEYS as readonly string[]).includes(k));
    if (clash !== undefined) {
      throw new GovernanceDenied({
        allowed: false,
        action: "deny",
        matched_rule: null,
        policy: null,
        code: "invalid_request",
        reason: `The extra context key '${clash}' collides with a reserved name (${RESERVED_CONTEXT_KEYS.join(", ")})`,
        policy_digest: "",
      });
    }
    Object.assign(context, extra);
  }
  return { agent: options.agent, stage: "pre_tool", context };
}

function kernelOptions(options: GovernOptions): KernelOptions {
  const { agent: _agent, kernel: _kernel, policy, name: _name, action: _action, server: _server, runId: _runId, context: _context, ...rest } = options;
  const policies = policy === undefined ? [] : Array.isArray(policy) ? (policy as readonly PolicySource[]) : [policy as PolicySource];
  return { ...rest, policies };
}
