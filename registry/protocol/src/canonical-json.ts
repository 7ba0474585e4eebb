/**
 * RFC 8785 (JCS) canonical JSON (REGISTRY.md §4.1): object keys sorted by UTF-16 code units,
 * no whitespace, numbers in ECMAScript shortest form (`-0` → `0`), strings escaped as
 * `JSON.stringify` does. Non-JSON values (non-finite numbers, bigint, functions, symbols,
 * `undefined` in arrays, lone surrogates, non-plain objects) are errors; a property whose value
 * is `undefined` is omitted, as in JSON. Errors are {@link RegistryError}s with code
 * `REGISTRY_NONCANONICAL` and the path of the offending value.
 */
import { DEFAULT_LIMITS } from "./limits.js";
import { RegistryError } from "./errors.js";
import { bytesEqual, decodeUtf8, isWellFormed, utf8 } from "./encoding.js";

/** Options of {@link canonicalJson}. */
export interface CanonicalJsonOptions {
  /** Deepest nesting allowed (the top-level value is depth 0); default §9's 32. */
  maxDepth?: number;
}

/** The RFC 8785 canonical JSON text of `value`. */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  return write(value, 0, options.maxDepth ?? DEFAULT_LIMITS.jsonDepth, "");
}

/** The UTF-8 bytes of {@link canonicalJson}: what is signed and hashed. */
export function canonicalBytes(value: unknown, options: CanonicalJsonOptions = {}): Uint8Array {
  return utf8(canonicalJson(value, options));
}

function fail(path: string, message: string): never {
  throw new RegistryError("REGISTRY_NONCANONICAL", message, { path });
}

function quote(value: string, path: string): string {
  if (!isWellFormed(value)) fail(path, "lone surrogate in string");
  return JSON.stringify(value);
}

function write(value: unknown, depth: number, maxDepth: number, path: string): string {
  switch (typeof value) {
    case "string":
      return quote(value, path);
    case "number":
      if (!Number.isFinite(value)) fail(path, "non-finite number");
      return Object.is(value, -0) ? "0" : String(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (depth >= maxDepth) fail(path, `nesting deeper than ${maxDepth}`);
      if (Array.isArray(value)) {
        const parts: string[] = [];
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) fail(`${path}[${i}]`, "undefined in array");
          parts.push(write(item, depth + 1, maxDepth, `${path}[${i}]`));
        }
        return `[${parts.join(",")}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) fail(path, "only plain objects and arrays are JSON");
      const obj = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
      const keys = Object.keys(obj).sort();
      const parts: string[] = [];
      for (const key of keys) {
        const item = obj[key];
        if (item === undefined) continue;
        const at = path === "" ? key : `${path}.${key}`;
        parts.push(`${quote(key, at)}:${write(item, depth + 1, maxDepth, at)}`);
      }
      return `{${parts.join(",")}}`;
    }
    default:
      return fail(path, `a ${typeof value} is not JSON`);
  }
}

/** Options of {@link parseCanonicalJson}. */
export interface ParseCanonicalOptions {
  /** Largest input accepted, bytes. */
  maxBytes: number;
  /** Deepest nesting allowed; default §9's 32. */
  maxDepth?: number;
  /** Accept `null` values; default false, since signed objects omit optional fields (§4.1). */
  allowNull?: boolean;
}

/**
 * Parses bytes that MUST already be canonical: valid UTF-8, valid JSON, and byte-equal to
 * their own canonical form. This rejects whitespace, reordered or duplicate keys, `-0`,
 * exponents where ECMAScript has none, escapes other than JCS's, lone surrogates,
 * over-deep nesting and (unless `allowNull`) `null` values (`REGISTRY_NONCANONICAL`);
 * input over `maxBytes` is `REGISTRY_REQUEST_INVALID`.
 */
export function parseCanonicalJson(bytes: Uint8Array, options: ParseCanonicalOptions): unknown {
  if (bytes.byteLength > options.maxBytes) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `JSON larger than ${options.maxBytes} bytes`);
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) fail("", "invalid UTF-8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new RegistryError("REGISTRY_NONCANONICAL", "invalid JSON", { path: "", cause });
  }
  const again = canonicalBytes(value, options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth });
  if (!bytesEqual(again, bytes)) fail("", "not in RFC 8785 canonical form");
  if (options.allowNull !== true) assertNoNull(value);
  return value;
}

/**
 * Throws `REGISTRY_NONCANONICAL` at the path of the first `null` in `value`: optional fields
 * of signed and hashed objects are omitted, never `null` (§4.1). Call on nesting-checked data.
 */
export function assertNoNull(value: unknown, path = ""): void {
  if (value === null) fail(path, "null is not allowed (optional fields are omitted)");
  if (typeof value !== "object") return;
  for (const [key, item] of Object.entries(value)) {
    assertNoNull(item, Array.isArray(value) ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`);
  }
}

/** Options of {@link parseJsonBounded}. */
export interface ParseJsonOptions {
  /** Largest input accepted, UTF-8 bytes. */
  maxBytes: number;
  /** Deepest nesting allowed; default §9's 32. */
  maxDepth?: number;
}

/**
 * Parses ordinary (not necessarily canonical) JSON within limits: size, strict UTF-8 and
 * nesting depth. Errors are `REGISTRY_REQUEST_INVALID`. Duplicate keys are not detected here
 * (the last one wins, as in `JSON.parse`); signed data goes through {@link parseCanonicalJson}.
 */
export function parseJsonBounded(input: Uint8Array | string, options: ParseJsonOptions): unknown {
  const maxDepth = options.maxDepth ?? DEFAULT_LIMITS.jsonDepth;
  const invalid = (message: string, cause?: unknown): never => {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", message, { path: "", cause });
  };
  let text: string | undefined;
  if (typeof input === "string") {
    if (Buffer.byteLength(input, "utf8") > options.maxBytes) invalid(`JSON larger than ${options.maxBytes} bytes`);
    if (!isWellFormed(input)) invalid("lone surrogate in JSON text");
    text = input;
  } else {
    if (input.byteLength > options.maxBytes) invalid(`JSON larger than ${options.maxBytes} bytes`);
    text = decodeUtf8(input);
    if (text === undefined) return invalid("invalid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return invalid("invalid JSON", cause);
  }
  if (jsonDepth(value, maxDepth) === undefined) invalid(`JSON nested deeper than ${maxDepth}`);
  return value;
}

/** Nesting depth of a parsed JSON value, or `undefined` once it exceeds `max` (iterative). */
function jsonDepth(value: unknown, max: number): number | undefined {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [item, depth] = top;
    if (typeof item !== "object" || item === null) continue;
    if (depth >= max) return undefined;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}
