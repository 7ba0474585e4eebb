/**
 * What a tool's output becomes once its decisions are known, the same for the in-process
 * and the remote kernel: whether the `post_tool` decision withholds it, and the output the
 * caller receives (transform redactions, then `steer` messages).
 */
import type { Decision } from "../policy/types.js";
import { redactOutput } from "./redact-output.js";

/** True when `post` withholds the output: any non-allow except a `default` (no post_tool rule matched; docs/policy.md). */
export function postToolWithholds(post: Decision | undefined): post is Decision {
  return post !== undefined && !post.allowed && post.code !== "default";
}

/** Appends a `steer` message to a string output (and hands it to `onSteer`). */
export function steer(output: unknown, text: string, onSteer: ((message: string) => void) | undefined): unknown {
  onSteer?.(text);
  return typeof output === "string" ? `${output}\n\n[agentgov] ${text}` : output;
}

/** The output as the caller receives it: redactions of a `transform` decision, then `steer` messages, pre_tool first. */
export function governedOutput(output: unknown, decision: Decision, post: Decision | undefined, onSteer: ((message: string) => void) | undefined): unknown {
  let result = output;
  if (post?.action === "transform") result = redactOutput(result, post.transform?.redact);
  if (decision.action === "transform") result = redactOutput(result, decision.transform?.redact);
  for (const d of [decision, post]) {
    if (d?.action === "steer") result = steer(result, d.reason, onSteer);
  }
  return result;
}
