/** The logged copy of arguments: core's audit redaction, then at most 1 KiB. */
import { auditArgs } from "@agentgov/core";
import { canonicalJson } from "../internal/canonical.js";

/** Largest logged argument copy, in bytes of canonical JSON. */
export const MAX_LOGGED_ARGS_BYTES = 1024;

/**
 * The logged arguments: secret-looking keys and `redact` paths replaced by `[REDACTED]`
 * (core's `auditArgs`), and replaced by a truncation marker beyond 1 KiB. `argsText`, when
 * the caller has it, is the canonical JSON of `args`: it is reused when nothing is redacted
 * (`auditArgs` then returns `args` itself), instead of serialising the same object again.
 */
export function loggedArgs(args: unknown, redactPaths?: readonly string[], argsText?: string): unknown {
  const redacted = auditArgs(args, "redacted", redactPaths);
  const text = redacted === args && argsText !== undefined ? argsText : canonicalJson(redacted);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short texts need no byte count.
  if (text.length * 3 <= MAX_LOGGED_ARGS_BYTES) return redacted;
  const bytes = Buffer.byteLength(text, "utf8");
  return bytes <= MAX_LOGGED_ARGS_BYTES ? redacted : { _truncated: true, bytes };
}
