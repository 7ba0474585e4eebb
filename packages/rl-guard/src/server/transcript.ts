/**
 * Tool-call extraction from an OpenRLHF `query` (prompt + completion), for the transcript
 * audit of `POST /get_reward/{token}` (RL-GUARD.md §10.2). A block that cannot be read
 * becomes a malformed call, which the gate denies (`malformed_args`), so unreadable output
 * is penalised, never skipped.
 */
import { isObject } from "../internal/canonical.js";
import type { ToolCall } from "../types.js";

/** Extracts the tool calls of one transcript, in order. Throwing refuses the request (400). */
export type ToolCallExtractor = (query: string) => ToolCall[];

/** Most calls extracted from one transcript (further ones are dropped; the gate's own cap is lower). */
export const MAX_EXTRACTED_CALLS = 10_000;

const HERMES = /<tool_call>([\s\S]*?)<\/tool_call>/g;

function parseArgs(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

/** Hermes format: `<tool_call>{"name": …, "arguments": {…}}</tool_call>` blocks. */
export function extractHermes(query: string): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const m of query.matchAll(HERMES)) {
    if (calls.length >= MAX_EXTRACTED_CALLS) break;
    const id = `t${calls.length + 1}`;
    let body: unknown;
    try {
      body = JSON.parse(m[1] as string) as unknown;
    } catch {
      body = null;
    }
    if (!isObject(body) || typeof body.name !== "string") calls.push({ id, name: "", args: null });
    else calls.push({ id, name: body.name, args: parseArgs(body.arguments) });
  }
  return calls;
}

/**
 * OpenAI JSON: the query is a JSON message list (or `{messages}`); the `tool_calls` of
 * assistant messages, in order. @throws when the query is not such JSON.
 */
export function extractOpenAiJson(query: string): ToolCall[] {
  const parsed = JSON.parse(query) as unknown;
  const messages = Array.isArray(parsed) ? parsed : isObject(parsed) && Array.isArray(parsed.messages) ? parsed.messages : null;
  if (messages === null) throw new TypeError("the query is not a JSON message list");
  const calls: ToolCall[] = [];
  for (const msg of messages) {
    if (!isObject(msg) || msg.role !== "assistant" || !Array.isArray(msg.tool_calls)) continue;
    for (const tc of msg.tool_calls) {
      if (calls.length >= MAX_EXTRACTED_CALLS) return calls;
      const id = `t${calls.length + 1}`;
      const fn = isObject(tc) && isObject(tc.function) ? tc.function : null;
      if (fn === null || typeof fn.name !== "string") calls.push({ id, name: "", args: null });
      else calls.push({ id, name: fn.name, args: parseArgs(fn.arguments) });
    }
  }
  return calls;
}

/** The built-in extractors by name. */
export const EXTRACTORS: Readonly<Record<"hermes" | "openai-json", ToolCallExtractor>> = { hermes: extractHermes, "openai-json": extractOpenAiJson };
