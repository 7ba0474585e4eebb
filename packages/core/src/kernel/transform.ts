/** Applying a `transform` decision to a tool's arguments (copy on write; shared with the adapters). */
import type { Decision } from "../policy/types.js";
import { REDACTED, setAt, splitPath } from "./paths.js";

/** Returns `args` with the decision's `set` values written and its `args.*` redact paths replaced. */
export function applyTransformToArgs(args: unknown, transform: Decision["transform"]): unknown {
  let out = args;
  for (const [path, value] of Object.entries(transform?.set ?? {})) {
    if (!path.startsWith("args.")) continue;
    out = setAt(out ?? {}, splitPath(path.slice("args.".length)), structuredClone(value), true);
  }
  for (const path of transform?.redact ?? []) {
    if (path.startsWith("args.")) out = setAt(out, splitPath(path.slice("args.".length)), REDACTED, false);
  }
  return out;
}
