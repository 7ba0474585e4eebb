/** The logged copy of arguments: core's audit redaction, then at most 1 KiB. */
import { auditArgs } from "@agentgov/core";
import type { CanonicalArgs } from "@agentgov/core/audit";
import { canonicalJson } from "../internal/canonical.js";

/** Largest logged argument copy, in bytes of canonical JSON. */
export const MAX_LOGGED_ARGS_BYTES = 1024;

/**
 * The logged arguments: secret-looking keys and `redact` paths replaced by `[REDACTED]`
 * (core's `auditArgs`), and replaced by a truncation marker beyond 1 KiB. `canonical`, when
 * the caller has it, is `args` with its canonical text (core's `canonicalArgs`): when nothing
 * is redacted (`auditArgs` then returns `args` itself) it is what is logged, so the record
 * writes that text instead of serialising the same object again.
 */
export function loggedArgs(args: unknown, redactPaths?: readonly string[], canonical?: CanonicalArgs): unknown {
  const redacted = auditArgs(args, "redacted", redactPaths);
  const reuse = canonical !== undefined && redacted === args && canonical.value === args;
  const text = reuse ? canonical.text : canonicalJson(redacted);
  const logged = reuse ? canonical : redacted;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short texts need no byte count.
  if (text.length * 3 <= MAX_LOGGED_ARGS_BYTES) return logged;
  const bytes = Buffer.byteLength(text, "utf8");
  return bytes <= MAX_LOGGED_ARGS_BYTES ? logged : { _truncated: true, bytes };
}
