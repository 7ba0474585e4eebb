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

/**
 * Copy on write: a plain object or array none of whose parts needs redacting is returned
 * as it is (no copy per request); otherwise a copy with the redacted parts, sharing the
 * unchanged ones. Anything else (a non-plain object) is copied as before. Never mutates `value`.
 */
function scrub(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype ? scrubArray(value, depth) : value.map((v: unknown) => scrub(v, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  const entries = Object.entries(value);
  const plain = proto === Object.prototype || proto === null;
  let out: Record<string, unknown> | undefined = plain ? undefined : {};
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i] as [string, unknown];
    const scrubbed = SECRET_KEY_PATTERN.test(key) ? REDACTED : scrub(v, depth + 1);
    if (out === undefined) {
      if (scrubbed === v) continue;
      out = {};
      for (let j = 0; j < i; j++) define(out, ...(entries[j] as [string, unknown]));
    }
    define(out, key, scrubbed);
  }
  return out ?? value;
}

function scrubArray(value: readonly unknown[], depth: number): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) continue; // a hole stays a hole, as `map` keeps it
    const v = value[i];
    const scrubbed = scrub(v, depth + 1);
    if (out === undefined) {
      if (scrubbed === v) continue;
      out = value.slice();
    }
    out[i] = scrubbed;
  }
  return out ?? (value as unknown[]);
}

/** Sets an own property (`__proto__` included, as data). */
function define(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}
