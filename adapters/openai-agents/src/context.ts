/**
 * What every enforcement point of the adapter shares: the kernel, the options, the acting
 * agent's identity, the run id, denials (fail closed) and the records written outside
 * `kernel.enforce` (ungoverned tools, internal errors).
 */
import { randomUUID } from "node:crypto";
import { AgentGovError, createKernel, GovernanceDenied, isAgentGovError, renderDenial } from "@agentgov/core";
import type { AgentRef, Decision, DecisionRequest, Kernel, PolicySource, ReasonCode, Stage } from "@agentgov/core";
import type { AuditEntry } from "@agentgov/core/audit";

/** The part of an SDK agent the adapter reads: its name. */
export interface NamedAgent {
  readonly name: string;
}

/** Options of {@link governAgent}. */
export interface GovernAgentOptions {
  /** A shared kernel (preferred). */
  kernel?: Kernel;
  /** Shorthand: a policy file path, YAML text or document (or several). Builds a kernel. */
  policy?: PolicySource | readonly PolicySource[];
  /**
   * The identity policies see. Default: the acting agent's name, which the SDK hands to
   * every guardrail. A function maps each acting agent to its identity.
   */
  agent?: AgentRef | ((agent: NamedAgent) => AgentRef);
  /**
   * `result` (default): a denied call never runs and the model gets the denial text; the
   * run continues. `throw`: the run rejects with `GovernanceDenied` (wrapped by the SDK in
   * a `ToolCallError` whose `.error` is the denial). Handoffs are always denied hard.
   */
  onDeny?: "result" | "throw";
  /** Throw at govern time on tools the adapter cannot govern (hosted, computer, shell, apply_patch). */
  strict?: boolean;
}

/** Codes the adapter adds to core's reason codes (lower_snake, POLICY.md §5). */
export type AdapterReasonCode = ReasonCode | "ungoverned" | "transform_unsupported";

/** The resolved adapter state shared by every enforcement point of one `governAgent` call. */
export interface Gate {
  readonly kernel: Kernel;
  readonly onDeny: "result" | "throw";
  readonly strict: boolean;
  identity(agent: NamedAgent | undefined, fallback: string): AgentRef;
  runId(runContext: object | undefined): string | undefined;
}

const RUN_IDS = new WeakMap<object, string>();

/** Builds the shared state; throws `AgentGovError(INVALID_OPTIONS)` on bad options. */
export function createGate(options: GovernAgentOptions): Gate {
  if (typeof options !== "object" || (options as unknown) === null) throw new AgentGovError("INVALID_OPTIONS", "governAgent() takes an options object: { kernel } or { policy }");
  const onDeny: unknown = options.onDeny ?? "result";
  if (onDeny !== "result" && onDeny !== "throw") throw new AgentGovError("INVALID_OPTIONS", `onDeny must be "result" or "throw", not ${JSON.stringify(onDeny)}`);
  let kernel = options.kernel;
  if (kernel === undefined) {
    if (options.policy === undefined) throw new AgentGovError("INVALID_OPTIONS", "governAgent() needs a kernel or a policy: governAgent(agent, { policy: \"policy.yaml\" })");
    const policies = Array.isArray(options.policy) ? (options.policy as readonly PolicySource[]) : [options.policy as PolicySource];
    kernel = createKernel({ policies });
  }
  const agentOption = options.agent;
  return {
    kernel,
    onDeny,
    strict: options.strict === true,
    identity(agent, fallback) {
      if (typeof agentOption === "function") return agentOption(agent ?? { name: fallback });
      if (agentOption !== undefined) return agentOption;
      const name = agent?.name;
      return typeof name === "string" && name !== "" ? name : fallback;
    },
    runId(runContext) {
      if (runContext === undefined) return undefined;
      let id = RUN_IDS.get(runContext);
      if (id === undefined) {
        id = randomUUID();
        RUN_IDS.set(runContext, id);
      }
      return id;
    },
  };
}

/** A deny decision the adapter takes itself (an error on its enforcement path, an unenforceable action). */
export function adapterDenial(kernel: Kernel, code: AdapterReasonCode, reason: string): Decision {
  return { allowed: false, action: "deny", matched_rule: null, policy: null, code: code as ReasonCode, reason, policy_digest: safeDigest(kernel) };
}

/** The decision behind an error on the enforcement path: a `GovernanceDenied`'s own, otherwise an `internal_error` deny. */
export function denialOf(kernel: Kernel, error: unknown): Decision {
  if (error instanceof GovernanceDenied) return error.decision;
  // A GovernanceDenied from another installed copy of core.
  const decision = isAgentGovError(error) ? (error as { decision?: unknown }).decision : undefined;
  if (isDecision(decision)) return decision;
  return adapterDenial(kernel, "internal_error", `Internal error in the agentgov OpenAI Agents adapter, so the call is denied: ${errorMessage(error)}`);
}

/** The model-facing denial text (shared with every adapter). */
export function denialText(decision: Decision): string {
  return renderDenial(decision);
}

/** The error `onDeny: "throw"` raises. */
export function denialError(decision: Decision, original?: unknown): GovernanceDenied {
  return original instanceof GovernanceDenied && original.decision === decision ? original : new GovernanceDenied(decision);
}

/** Writes a record outside `enforce` (a denial the adapter took, an ungoverned tool); never throws. */
export function recordOutside(kernel: Kernel, entry: {
  agent: AgentRef;
  stage: Stage;
  tool?: string | undefined;
  callId?: string | undefined;
  runId?: string | undefined;
  decision: Decision;
  status: "denied" | "pending";
}): void {
  try {
    const agent = typeof entry.agent === "string" ? entry.agent : entry.agent.id;
    const record: AuditEntry = {
      kind: "decision",
      agent,
      stage: entry.stage,
      decision: { allowed: entry.decision.allowed, action: entry.decision.action, matched_rule: entry.decision.matched_rule, policy: entry.decision.policy, code: entry.decision.code, reason: entry.decision.reason },
      policy_digest: entry.decision.policy_digest,
      outcome: { status: entry.status },
    };
    if (entry.tool !== undefined) {
      record.tool = entry.tool;
      record.action = entry.tool;
    }
    if (entry.callId !== undefined) record.call_id = entry.callId;
    if (entry.runId !== undefined) record.run_id = entry.runId;
    kernel.audit.append(record);
  } catch {
    // The sink refused: the denial stands, and nothing more can be recorded.
  }
}

/** Builds a decision request. */
export function buildRequest(fields: {
  agent: AgentRef;
  stage: Stage;
  tool: string;
  server?: string | undefined;
  args: unknown;
  action: string;
  runId: string | undefined;
  target?: string | undefined;
}): DecisionRequest {
  const tool: Record<string, unknown> = fields.server === undefined ? { name: fields.tool } : { name: fields.tool, server: fields.server };
  const context: Record<string, unknown> = { tool, args: fields.args, action: { type: fields.action } };
  if (fields.runId !== undefined) context.run = { id: fields.runId };
  if (fields.target !== undefined) context.target = { agent: fields.target };
  return { agent: fields.agent, stage: fields.stage, context };
}

/** Parses a model's JSON arguments; text that is not JSON is passed on as the string it is. */
export function parseArgs(raw: unknown): unknown {
  if (typeof raw !== "string") return raw ?? {};
  if (raw.trim() === "") return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function safeDigest(kernel: Kernel): string {
  try {
    return kernel.digest;
  } catch {
    return "";
  }
}

function isDecision(value: unknown): value is Decision {
  return typeof value === "object" && value !== null && typeof (value as { action?: unknown }).action === "string";
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
