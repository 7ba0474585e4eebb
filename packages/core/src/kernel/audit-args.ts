/**
 * What of a call's arguments goes into the audit log. By default secret-looking keys
 * (at any depth) and the paths a transform redacts are replaced by `[REDACTED]`.
 */
import { REDACTED, setAt, splitPath } from "./paths.js";
import type { AuditArgsMode } from "./types.js";

/** Keys whose values are never written to the audit log in `redacted` mode. */
export const SECRET_KEY_PATTERN = /pass(word|wd|phrase)?$|secret|token|api[-_]?key|authorization|credential|private[-_]?key|cookie|session[-_]?id/i;

const MAX_DEPTH = 64;

/** Returns the arguments as they should be recorded (undefined in `digest_only` mode). */
export function auditArgs(args: unknown, mode: AuditArgsMode, redactPaths: readonly string[] | undefined): unknown {
  if (mode === "digest_only") return undefined;
  if (mode === "full") return args;
  let out = scrub(args, 0);
  for (const path of redactPaths ?? []) {
    if (!path.startsWith("args.")) continue;
    out = setAt(out, splitPath(path.slice("args.".length)), REDACTED, false);
  }
  return out;
}

function scrub(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((v: unknown) => scrub(v, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    Object.defineProperty(out, key, { value: SECRET_KEY_PATTERN.test(key) ? REDACTED : scrub(v, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
