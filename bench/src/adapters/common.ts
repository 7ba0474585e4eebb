/**
 * What the three framework setups share: the kernel (a small allow policy, `memoryAudit()`),
 * the tool bodies with their side-effect counters, the scripted call, and the shape of a
 * loop the benchmark drives.
 */
import { createKernel, memoryAudit } from "@agentgov/core";
import type { Kernel, PolicyDocument } from "@agentgov/core";
import type { MemoryAuditSink } from "@agentgov/core/audit";

export const FRAMEWORKS = ["langchain", "openai-agents", "ai-sdk"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const FRAMEWORK_LABEL: Record<Framework, string> = {
  langchain: "LangChain createAgent + governanceMiddleware",
  "openai-agents": "OpenAI Agents run() + governAgent",
  "ai-sdk": "AI SDK generateText + governTools",
};

/** The identity the kernel decides for (policies see it as `agent`). */
export const AGENT = "bench-agent";
/** The tool the policy allows: the timed call. */
export const ALLOWED_TOOL = "read_file";
/** The tool the policy denies: only the functional check calls it. */
export const DENIED_TOOL = "delete_file";
/** The arguments of every scripted call. */
export const ARGS = { path: "a.txt" } as const;
/** The model's call id (every run reuses it; the audit does not require it unique). */
export const CALL_ID = "call-1";
/** The scripted final answer after the tool result. */
export const FINAL_TEXT = "done";
/** The prompt of every run. */
export const PROMPT = "go";

/**
 * A small policy: two allow rules and one deny rule in front of a deny default, so the
 * timed call is a real rule match (`allow-reads`).
 */
export const POLICY: PolicyDocument = {
  apiVersion: "agentgov/v1",
  name: "bench",
  default_action: "deny",
  rules: [
    { name: "allow-reads", condition: "tool.name == 'read_file'", action: "allow" },
    { name: "allow-search", condition: "tool.name == 'search'", action: "allow" },
    { name: "no-delete", condition: "tool.name == 'delete_file'", action: "deny", message: "deleting files is not allowed" },
  ],
};

export interface BenchKernel {
  kernel: Kernel;
  audit: MemoryAuditSink;
}

/** The kernel every governed loop uses: the policy above, the default in-memory audit log. */
export function benchKernel(): BenchKernel {
  const audit = memoryAudit();
  return { kernel: createKernel({ policies: [POLICY], audit }), audit };
}

/** Side effects of the tool bodies: proof that a call ran (or did not). */
export interface Counters {
  read: number;
  delete: number;
}

export function readFileBody(args: { path: string }, counters: Counters): string {
  counters.read++;
  return `contents of ${args.path}`;
}

export function deleteFileBody(args: { path: string }, counters: Counters): string {
  counters.delete++;
  return `deleted ${args.path}`;
}

/** What a tool result of the allowed call looks like to the model. */
export const ALLOWED_RESULT = `contents of ${ARGS.path}`;

/** One agent loop of one framework, driven by that framework's scripted test model. */
export interface Loop {
  /**
   * Queues the script of the next run on the scripted model: one tool call, then the final
   * text. Untimed (tinybench `beforeEach`).
   */
  prepare(): void;
  /** One run of the real loop: model → tool → model → final text. Resolves to that text. */
  run(): Promise<string>;
  /** The tool result the model received in its last request (for the functional check). */
  seen(): string;
}

/** The loops of one framework, sharing the counters and the kernel. */
export interface Loops {
  /** The loop without agentgov. */
  ungoverned: Loop;
  /** The loop with the framework's agentgov adapter; the call is allowed. */
  governed: Loop;
  /** The governed loop calling the denied tool: functional check only, never timed. */
  denied: Loop;
}

/** Builds the loops of a framework on a kernel, with tool bodies counting into `counters`. */
export type LoopFactory = (kernel: Kernel, counters: Counters) => Loops;

/** The text of a message content, whatever its shape (string, content blocks, object). */
export function contentText(content: unknown): string {
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map(contentText).join("");
  if (typeof content === "object" && content !== null) {
    const o = content as { text?: unknown; value?: unknown; reason?: unknown };
    if (typeof o.text === "string") return o.text;
    if (typeof o.value === "string") return o.value;
    if (o.value !== undefined) return contentText(o.value);
    if (typeof o.reason === "string") return o.reason;
  }
  return JSON.stringify(content);
}

/** Loads one framework's loop factory (imported on demand: a process loads one framework). */
export async function loadFactory(framework: Framework): Promise<LoopFactory> {
  switch (framework) {
    case "langchain":
      return (await import("./langchain.js")).langchainLoops;
    case "openai-agents":
      return (await import("./openai-agents.js")).openaiAgentsLoops;
    case "ai-sdk":
      return (await import("./ai-sdk.js")).aiSdkLoops;
  }
}
