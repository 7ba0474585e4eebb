/**
 * Deep output redaction, shared by `enforce` and every adapter. A `redact` path under
 * `output` is replaced by `[REDACTED]`, and each redacted *value* is then scrubbed from
 * every string of the output — text content blocks, JSON embedded as text (as MCP
 * results carry `structuredContent`), artifacts — so a secret removed at one place does
 * not survive at another.
 */
import { REDACTED, setAt, splitPath } from "./paths.js";

/** Shortest redacted string value that is also scrubbed from other strings (shorter ones would over-redact). */
export const MIN_SCRUB_LENGTH = 4;
const MAX_DEPTH = 64;

/**
 * Returns `output` with the `redact` paths under `output` applied and their values
 * scrubbed everywhere; `output` itself is never mutated. The path `output` replaces the
 * whole output.
 */
export function redactOutput(output: unknown, paths: readonly string[] | undefined): unknown {
  if (paths === undefined || paths.length === 0) return output;
  if (paths.includes("output")) return REDACTED;
  const secrets = new Set<string>();
  let out = output;
  for (const path of paths) {
    if (!path.startsWith("output.")) continue;
    const segments = splitPath(path.slice("output.".length));
    collectStrings(valueAt(out, segments), secrets, 0);
    out = setAt(out, segments, REDACTED, false);
  }
  const needles = [...secrets].filter((s) => s.length >= MIN_SCRUB_LENGTH && s !== REDACTED);
  for (const s of [...needles]) {
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) needles.push(escaped);
  }
  return needles.length === 0 ? out : scrub(out, needles.sort((a, b) => b.length - a.length), 0);
}

/** The value at `segments`, or undefined; own properties only. */
function valueAt(root: unknown, segments: readonly (string | number)[]): unknown {
  let value = root;
  for (const segment of segments) {
    if (typeof value !== "object" || value === null) return undefined;
    const key = String(segment);
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Collects every string and number leaf of `value`. */
function collectStrings(value: unknown, into: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (typeof value === "string") into.add(value);
  else if (typeof value === "number" || typeof value === "bigint") into.add(String(value));
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into, depth + 1);
  else if (typeof value === "object" && value !== null) for (const item of Object.values(value)) collectStrings(item, into, depth + 1);
}

/** Replaces every occurrence of the needles in every string of `value` (copy on write). */
function scrub(value: unknown, needles: readonly string[], depth: number): unknown {
  if (typeof value === "string") {
    let s = value;
    for (const needle of needles) if (s.includes(needle)) s = s.split(needle).join(REDACTED);
    return s;
  }
  if (depth > MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item: unknown) => scrub(item, needles, depth + 1));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: scrub(item, needles, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
