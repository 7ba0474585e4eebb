/**
 * Strict structural checks for JSON data: plain objects with exactly the allowed keys,
 * typed fields, safe integers only, well-formed NFC strings. Each failure throws a
 * {@link RegistryError} with the checker's code and the path of the offending field.
 */
import { RegistryError, type RegistryErrorCode } from "../errors.js";
import { isWellFormed } from "../encoding.js";

/** Joins a field path: `a` + `b` → `a.b`; `a` + 3 → `a[3]`. */
export function at(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** Options of {@link Shape.string}. */
export interface StringRule {
  max: number;
  min?: number;
  pattern?: RegExp;
}

/** A set of checks that fail with one error code. */
export class Shape {
  constructor(readonly code: RegistryErrorCode) {}

  /** Throws this checker's error at `path`. */
  fail(path: string, message: string): never {
    throw new RegistryError(this.code, message, { path });
  }

  /** A plain object with every `required` key and no key outside `required` and `optional`. */
  object(value: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
    const record = this.plain(value, path);
    for (const key of Object.keys(record)) {
      if (!required.includes(key) && !optional.includes(key)) this.fail(at(path, key), "unknown field");
    }
    for (const key of required) if (!Object.hasOwn(record, key)) this.fail(at(path, key), "missing field");
    return record;
  }

  /** An object used as a map: at most `max` entries, keys checked by the caller. */
  map(value: unknown, path: string, max: number): Record<string, unknown> {
    const record = this.plain(value, path);
    if (Object.keys(record).length > max) this.fail(path, `more than ${max} entries`);
    return record;
  }

  /** A plain object (JSON object) whose values are never `null`. */
  private plain(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(path, "must be an object");
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) this.fail(path, "must be a plain object");
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === null) this.fail(at(path, key), "null is not allowed (omit optional fields)");
    }
    return record;
  }

  /** A well-formed NFC string within the length rule (UTF-16 length), matching `pattern`. */
  string(value: unknown, path: string, rule: StringRule): string {
    if (typeof value !== "string") this.fail(path, "must be a string");
    if (!isWellFormed(value)) this.fail(path, "must be valid UTF-8 (no lone surrogates)");
    if (value.normalize("NFC") !== value) this.fail(path, "must be NFC-normalized");
    if (value.length < (rule.min ?? 1)) this.fail(path, value.length === 0 ? "must not be empty" : "too short");
    if (value.length > rule.max) this.fail(path, `longer than ${rule.max} characters`);
    if (rule.pattern !== undefined && !rule.pattern.test(value)) this.fail(path, `does not match ${rule.pattern.source}`);
    return value;
  }

  /** A safe integer in `[min, max]`. Floats and unsafe integers are refused, never rounded. */
  integer(value: unknown, path: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) this.fail(path, "must be a safe integer");
    if (value < min || value > max) this.fail(path, `must be between ${min} and ${max}`);
    return value;
  }

  /** A boolean. */
  boolean(value: unknown, path: string): boolean {
    if (typeof value !== "boolean") this.fail(path, "must be a boolean");
    return value;
  }

  /** An array of at most `max` items. */
  array(value: unknown, path: string, max: number): unknown[] {
    if (!Array.isArray(value)) this.fail(path, "must be an array");
    if (value.length > max) this.fail(path, `more than ${max} items`);
    return value as unknown[];
  }

  /** An array of unique strings, each checked by `rule`. */
  uniqueStrings(value: unknown, path: string, max: number, rule: StringRule): string[] {
    const items = this.array(value, path, max).map((item, i) => this.string(item, at(path, i), rule));
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (seen.has(item)) this.fail(at(path, i), "duplicate entry");
      seen.add(item);
    });
    return items;
  }
}
