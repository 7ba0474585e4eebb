/**
 * The adapter contract (FRAMEWORKS.md §5): every adapter supplies a driver that runs the
 * framework's real agent loop, driven by the framework's own scripted test model, and
 * reports what happened in one framework-neutral shape. The same assertions then run
 * against every adapter (contract/define-contract.ts).
 */
import type { ApprovalHandler, AuditSink, Kernel, PolicyDocument } from "@agentgov/core";
import type { AuditRecord } from "@agentgov/core/audit";

/** What the model saw of one tool call in its next request. */
export interface ModelSaw {
  /** The model's call id (`c1`, `c2`, …). */
  callId: string;
  /** The tool result as text, as the model received it (content blocks joined, JSON as written). */
  text: string;
  /** True when the framework marked the result as an error. */
  isError?: boolean;
}

/** What a driver reports after one run. */
export interface DriverResult {
  /** `name:arg` pushed by each fixture tool body that actually ran (side-effect counter). */
  ran: string[];
  /** Tool results in the model's second request, by call id. */
  modelSaw: ModelSaw[];
  /** The run's final text answer, when it completed. */
  final?: string;
  /** The error the run rejected with, when it did. */
  error?: unknown;
  /** Audit records written during the run. */
  audit: readonly AuditRecord[];
  /** Calls the MCP fixture server actually executed (`mcp_read`, …), when MCP was used. */
  serverLog?: string[];
  /** Everything serialised that the model was sent in its later requests (for "the secret is nowhere" checks). */
  modelRequests: string;
}

/** One scripted tool call of the model's first turn. */
export interface ScriptedCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** What the contract asks a driver to run. */
export interface DriverInput {
  /** The kernel to govern with (built by the contract from the scenario's policies). */
  kernel: Kernel;
  /** The agent identity to pass in the adapter's options. */
  agent: string;
  /** Turn 1: these tool calls; turn 2: the text `done`. */
  calls: ScriptedCall[];
  /** Run the framework's streaming entry point instead of the plain one. */
  stream?: boolean;
  /** Adapter option `onDeny` (default `result`). */
  onDeny?: "result" | "throw";
  /** Govern twice (idempotence check). */
  governTwice?: boolean;
  /** Use the real stdio MCP fixture server's tools as well (see fixtures/mcp-server.mjs). */
  mcp?: boolean;
}

/**
 * C13 delegation: the parent model calls the sub-agent exposed as a tool `ask_specialist`
 * (call id `d1`, args `{ question: "help" }`, or the framework's own shape for a sub-agent tool, such as
 * `{ input: "help" }` for OpenAI's `asTool`); the sub-agent has its own scripted model, which
 * calls `delete_file({ path: "/etc/passwd" })` (call id `s1`) and then answers `specialist done`.
 */
export interface DelegationInput {
  kernel: Kernel;
  agent: string;
}

/** What a delegation run reports. */
export interface DelegationResult {
  /** How many requests the sub-agent's model received. */
  subAgentModelCalls: number;
  /** Fixture tool bodies that ran (the sub-agent's tools included). */
  ran: string[];
  /** What the parent model saw of its tool calls. */
  modelSaw: ModelSaw[];
}

/** C16: the framework's surfaces the adapter cannot govern (hosted tools, tools without execute, `Command` outputs). */
export interface UngovernedInput {
  kernel: Kernel;
  agent: string;
  /** Adapter option `strict`: such surfaces must throw instead of being audited. */
  strict: boolean;
}

/** What an ungoverned-surface run reports. */
export interface UngovernedResult {
  /** The error governing or running threw (strict mode). */
  error?: unknown;
}

/** A driver for one adapter. */
export interface AdapterDriver {
  /** e.g. `langchain`, `openai-agents`, `ai-sdk@7`. */
  readonly name: string;
  /** Which optional scenarios this driver supports (streaming, MCP, throw mode…). */
  readonly supports: { stream: boolean; mcp: boolean; throwMode: boolean };
  run(input: DriverInput): Promise<DriverResult>;
  /** C13: run the delegation script (see {@link DelegationInput}). */
  delegation?(input: DelegationInput): Promise<DelegationResult>;
  /** C16: expose one surface the adapter cannot govern, governed with `strict` as given. */
  ungoverned?(input: UngovernedInput): Promise<UngovernedResult>;
}

/** How a scenario builds its kernel. */
export interface KernelSpec {
  policies: PolicyDocument[];
  approvals?: ApprovalHandler;
  approvalTimeoutMs?: number;
  audit?: AuditSink;
}
