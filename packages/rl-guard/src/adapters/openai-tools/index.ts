/**
 * `@agentgov/rl-guard/openai-tools` (RL-GUARD.md §10.3): runs the `tool_calls` of an
 * OpenAI-compatible chat completion through a governed episode. Structural types only (no
 * `openai` dependency). Calls are gated sequentially in model order, so budgets are
 * deterministic; permitted calls then run with the episode's signal, at most `concurrency`
 * at once, each recorded as `post_tool`. Fails closed: a duplicate or missing call id, a
 * missing handler, unparsable arguments, an aborted episode or a throwing handler never
 * executes ungoverned and always yields an error observation.
 */
import type { GovernedEpisode } from "../../episode/episode.js";
import type { GateDecision, ToolCall } from "../../types.js";

/** A tool call as an OpenAI-compatible model emits it (`message.tool_calls[i]`). */
export interface OpenAiToolCall {
  id: string;
  type?: string;
  function: { name: string; arguments: string };
}

/** The tool message answering one call. */
export interface ToolMessage {
  role: "tool";
  tool_call_id: string;
  content: string;
}

/** What a handler receives besides the parsed arguments. */
export interface ToolHandlerContext {
  /** The episode's signal: aborted when the episode terminates. */
  signal: AbortSignal;
  /** The gated call. */
  call: ToolCall;
}

/** Runs one tool. A string result is the content; anything else is JSON-encoded. */
export type ToolHandler = (args: Record<string, unknown>, ctx: ToolHandlerContext) => unknown;

/** The part of a {@link GovernedEpisode} the wrapper uses. */
export type ToolEpisode = Pick<GovernedEpisode, "gate" | "recordResult" | "signal">;

/** Options of {@link runToolCalls}. */
export interface RunToolCallsOptions {
  /** Permitted calls run at once (default 1; at most {@link MAX_CONCURRENCY}). */
  concurrency?: number;
}

/** Longest call id the wrapper attributes results to (the episode renames longer ones). */
export const MAX_CALL_ID_LENGTH = 256;

/** Upper bound of `concurrency`. */
export const MAX_CONCURRENCY = 64;

/** Observation of a call the wrapper did not run (besides the gate's own refusals). */
export function notRun(error: "duplicate_call_id" | "episode_terminated" | "unknown_tool" | "tool_error" | "aborted"): string {
  return JSON.stringify({ error });
}

const seenIds = new WeakMap<object, Set<string>>();

interface Planned {
  id: string;
  call: ToolCall;
  gate: GateDecision | null;
  content: string | null;
}

/**
 * Gates, runs and answers `toolCalls` in model order. Returns one tool message per call, in
 * order: a refused call gets the gate's observation; calls after a terminating decision are
 * neither gated nor run (`episode_terminated`).
 */
export async function runToolCalls(
  ep: ToolEpisode,
  toolCalls: readonly OpenAiToolCall[],
  handlers: Readonly<Record<string, ToolHandler>>,
  options: RunToolCallsOptions = {},
): Promise<ToolMessage[]> {
  const concurrency = Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(options.concurrency ?? 1)));
  let seen = seenIds.get(ep);
  if (seen === undefined) {
    seen = new Set();
    seenIds.set(ep, seen);
  }
  const planned: Planned[] = [];
  let stopped = false;
  for (const [index, raw] of toolCalls.entries()) {
    const id = typeof raw.id === "string" ? raw.id : "";
    if (stopped || ep.signal.aborted) {
      planned.push({ id, call: { id, name: "", args: null }, gate: null, content: notRun("episode_terminated") });
      continue;
    }
    const call = toToolCall(raw, index);
    const duplicate = id === "" || id.length > MAX_CALL_ID_LENGTH || seen.has(id);
    seen.add(id);
    const g = ep.gate(call);
    if (g.terminate) stopped = true;
    if (!g.permitted) planned.push({ id, call, gate: g, content: g.observation ?? notRun("aborted") });
    // A permitted call with a reused, missing or overlong id is never run: its result could not be attributed.
    else if (duplicate) planned.push({ id, call, gate: g, content: notRun("duplicate_call_id") });
    else planned.push({ id, call, gate: g, content: null });
  }

  const pending = planned.filter((p) => p.content === null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const p = pending[next++] as Planned;
      p.content = await execute(ep, p.call, handlers);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
  return planned.map((p) => ({ role: "tool", tool_call_id: p.id, content: p.content ?? notRun("aborted") }));
}

function toToolCall(raw: OpenAiToolCall, index: number): ToolCall {
  const member: unknown = raw.function; // untrusted: model output
  const fn: Partial<Record<"name" | "arguments", unknown>> = typeof member === "object" && member !== null ? member : {};
  const name = typeof fn.name === "string" ? fn.name : "";
  let args: unknown = null;
  if (typeof fn.arguments === "string") {
    try {
      args = JSON.parse(fn.arguments) as unknown;
    } catch {
      args = null; // the gate denies non-object arguments as malformed_args
    }
  }
  return { id: typeof raw.id === "string" && raw.id !== "" ? raw.id : `call#${index + 1}`, name, args };
}

async function execute(ep: ToolEpisode, call: ToolCall, handlers: Readonly<Record<string, ToolHandler>>): Promise<string> {
  // Never start a call once the episode is aborted (kill switch, terminating decision).
  if (ep.signal.aborted) return notRun("aborted");
  const handler = Object.hasOwn(handlers, call.name) ? handlers[call.name] : undefined;
  // Not executed, so no post_tool record.
  if (typeof handler !== "function") return notRun("unknown_tool");
  try {
    const out: unknown = await Promise.resolve().then(() => handler(call.args as Record<string, unknown>, { signal: ep.signal, call }));
    // JSON.stringify answers undefined for functions and symbols, and throws on cycles and BigInts.
    const content = typeof out === "string" ? out : ((JSON.stringify(out) as string | undefined) ?? "");
    ep.recordResult(call.id, { ok: true });
    return content;
  } catch {
    ep.recordResult(call.id, { ok: false });
    return notRun("tool_error");
  }
}
