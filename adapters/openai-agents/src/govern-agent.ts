/**
 * `governAgent(agent, options)`: walks an OpenAI Agents SDK agent — its function tools,
 * agents used as tools, MCP servers and handoff targets, recursively with cycle detection —
 * and puts the agentgov kernel in front of each (FRAMEWORKS.md §3.1). Mutates in place and
 * returns the agent, so existing code keeps its references.
 */
import { AgentGovError, GOVERNED, GovernanceDenied } from "@agentgov/core";
import type { AgentRef } from "@agentgov/core";
import { getHandoff } from "@openai/agents";
import type { Agent, FunctionTool, Handoff, RunContext, Tool } from "@openai/agents";
import { adapterDenial, buildRequest, createGate, errorMessage, type Gate, type GovernAgentOptions, type NamedAgent, parseArgs, recordOutside } from "./context.js";
import { governFunctionTool, governMcpServer } from "./tool-gate.js";

// The SDK's agents are generic in their context and output types; the adapter handles any.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAgent = Agent<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHandoff = Handoff<any, any>;

/**
 * Governs an OpenAI Agents SDK agent in place and returns it.
 *
 * @example governAgent(agent, { policy: "policy.yaml" });
 */
export function governAgent<A extends AnyAgent>(agent: A, options: GovernAgentOptions): A {
  if (typeof agent !== "object" || (agent as unknown) === null || !Array.isArray((agent as Partial<AnyAgent>).tools)) {
    throw new AgentGovError("INVALID_OPTIONS", "governAgent() takes an OpenAI Agents SDK Agent");
  }
  const gate = createGate(options);
  if (gate.strict) {
    // Refuse before anything is mutated: strict mode never leaves an agent half governed.
    for (const reachable of reachableAgents(agent)) {
      for (const tool of reachable.tools as Tool[]) {
        if (tool.type !== "function" && (tool as unknown as Record<symbol, unknown>)[GOVERNED] !== true) {
          throw new AgentGovError("INVALID_OPTIONS", `${ungovernedReason(tool)}. Remove it, or govern without { strict: true }.`);
        }
      }
    }
  }
  walk(gate, agent, new Set());
  return agent;
}

/** The agent and every agent reachable through its handoffs. */
function reachableAgents(root: AnyAgent): Set<AnyAgent> {
  const seen = new Set<AnyAgent>();
  const visit = (agent: AnyAgent): void => {
    if (seen.has(agent)) return;
    seen.add(agent);
    for (const h of agent.handoffs as (AnyAgent | AnyHandoff)[]) visit(getHandoff(h).agent as AnyAgent);
  };
  visit(root);
  return seen;
}

function toolName(tool: Tool): string {
  return typeof (tool as { name?: unknown }).name === "string" ? (tool as { name: string }).name : tool.type;
}

function ungovernedReason(tool: Tool): string {
  return `The ${tool.type} tool '${toolName(tool)}' runs outside any point the adapter can enforce (FRAMEWORKS.md §3.1); its calls are not governed`;
}

function walk(gate: Gate, agent: AnyAgent, seen: Set<AnyAgent>): void {
  if (seen.has(agent)) return;
  seen.add(agent);
  const owner = typeof agent.name === "string" && agent.name !== "" ? agent.name : "agent";
  for (const tool of agent.tools as Tool[]) governTool(gate, tool, owner);
  for (const server of agent.mcpServers) governMcpServer(gate, server, owner);
  agent.handoffs = agent.handoffs.map((h: AnyAgent | AnyHandoff) => {
    const handoff = governHandoff(gate, h, agent);
    walk(gate, handoff.agent as AnyAgent, seen);
    return handoff;
  });
  const marked = agent as unknown as Record<symbol, unknown>;
  if (marked[GOVERNED] !== true) Object.defineProperty(agent, GOVERNED, { value: true, enumerable: false, configurable: true });
}

/** Function tools (and agents used as tools, which are function tools) are governed; the rest is audited as ungoverned. */
function governTool(gate: Gate, tool: Tool, owner: string): void {
  if (tool.type === "function") {
    governFunctionTool(gate, tool as FunctionTool, owner);
    return;
  }
  const marked = tool as unknown as Record<symbol, unknown>;
  if (marked[GOVERNED] === true) return;
  const name = toolName(tool);
  const reason = ungovernedReason(tool);
  if (gate.strict) throw new AgentGovError("INVALID_OPTIONS", `${reason}. Remove it, or govern without { strict: true }.`);
  const decision = { ...adapterDenial(gate.kernel, "ungoverned", reason), allowed: true, action: "log" as const };
  recordOutside(gate.kernel, { agent: gate.identity({ name: owner }, owner), stage: "pre_tool", tool: name, decision, status: "pending" });
  Object.defineProperty(tool, GOVERNED, { value: true, enumerable: false, configurable: true });
}

/**
 * A handoff is seen by the model as the tool `transfer_to_<agent>`, and skips the tool
 * guardrails (§3.2-1). `isEnabled` hides a denied handoff from the model; `onInvokeHandoff`
 * enforces the `handoff` stage (approval, audit) and, on deny, throws `GovernanceDenied`,
 * which aborts the run: the SDK offers no soft deny once a handoff is invoked.
 */
function governHandoff(gate: Gate, target: AnyAgent | AnyHandoff, owner: AnyAgent): AnyHandoff {
  const base = getHandoff(target) as AnyHandoff;
  if ((base as unknown as Record<symbol, unknown>)[GOVERNED] === true) return base;
  const ownerName = typeof owner.name === "string" && owner.name !== "" ? owner.name : "agent";
  const request = (acting: NamedAgent | undefined, runContext: RunContext | undefined, args: unknown) =>
    buildRequest({
      agent: gate.identity(acting, ownerName),
      stage: "handoff",
      tool: base.toolName,
      args,
      action: "handoff",
      runId: gate.runId(runContext),
      target: base.agentName,
    });
  const governed = base.clone({
    isEnabled: async ({ runContext, agent }) => {
      if (!(await base.isEnabled({ runContext, agent }))) return false;
      try {
        // A preview: dryRun checks rate limits without spending a token each turn.
        const decision = gate.kernel.decide(request(agent, runContext, {}), { dryRun: true });
        // require_approval stays visible: the approval is asked when the model invokes it.
        return decision.allowed || decision.action === "require_approval";
      } catch {
        return false;
      }
    },
    onInvokeHandoff: async (context, args) => {
      let identity: AgentRef = ownerName;
      let built;
      try {
        identity = gate.identity(owner, ownerName);
        built = request(owner, context, parseArgs(args));
      } catch (error) {
        const decision = adapterDenial(gate.kernel, "internal_error", `Internal error in the agentgov OpenAI Agents adapter, so the handoff is denied: ${errorMessage(error)}`);
        recordOutside(gate.kernel, { agent: identity, stage: "handoff", tool: base.toolName, decision, status: "denied" });
        throw new GovernanceDenied(decision);
      }
      // A deny throws GovernanceDenied; the handoff's own error passes unchanged, as the SDK would raise it.
      return gate.kernel.enforce(built, () => base.onInvokeHandoff(context, args));
    },
  });
  Object.defineProperty(governed, GOVERNED, { value: true, enumerable: false, configurable: true });
  return governed;
}
