/** Runtime values of the condition language: JSON values plus *missing*. */

/** The value of a path that is not present. */
export const MISSING: unique symbol = Symbol("missing");
/** The value of a path that is not present. */
export type Missing = typeof MISSING;

/** Longest string operand accepted at run time (1 MiB of UTF-16 code units). */
export const MAX_STRING_OPERAND = 1024 * 1024;

/** A runtime evaluation error: the rule counts as errored (POLICY.md §3). */
export class EvaluationError extends Error {
  override name = "EvaluationError";
}

/** What a compiled condition reads: the request context and the request's agent. */
export interface Scope {
  context: Record<string, unknown>;
  /** The request's agent as `{id}` or its object, used when the context has no `agent` key. */
  agent: unknown;
}

/** Truthiness of POLICY.md §3: missing, null, false, 0, "", [] and {} are false. */
export function truthy(value: unknown): boolean {
  if (value === MISSING || value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (typeof value === "object") {
    if (Array.isArray(value)) return value.length > 0;
    for (const key in value) if (Object.hasOwn(value, key)) return true;
    return false;
  }
  return !(typeof value === "number" && Number.isNaN(value));
}

/** Describes a value's type for error messages. */
export function typeName(value: unknown): string {
  if (value === MISSING) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  return typeof value === "object" ? "object" : typeof value;
}

/** Throws when a string operand is over the run-time limit. */
export function checkSize(value: unknown): void {
  if (typeof value === "string" && value.length > MAX_STRING_OPERAND) {
    throw new EvaluationError(`string operand longer than ${MAX_STRING_OPERAND} characters`);
  }
}
