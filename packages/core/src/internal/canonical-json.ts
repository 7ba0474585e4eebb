/**
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no whitespace,
 * numbers in ECMAScript shortest form, strings escaped as JSON.stringify does.
 * Properties whose value is `undefined` are omitted (as in JSON). Non-JSON values
 * (non-finite numbers, bigint, functions, symbols, lone surrogates) throw a TypeError.
 */

const LONE_SURROGATE = /\p{Surrogate}/u;

/** Returns the RFC 8785 canonical JSON text of `value`. */
export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

const MAX_DEPTH = 512;

function write(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new TypeError("canonical JSON: nesting too deep");
  switch (typeof value) {
    case "string":
      if (LONE_SURROGATE.test(value)) throw new TypeError("canonical JSON: lone surrogate in string");
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonical JSON: non-finite number");
      return Object.is(value, -0) ? "0" : String(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ",";
          const item: unknown = value[i];
          if (item === undefined) throw new TypeError("canonical JSON: undefined in array");
          out += write(item, depth + 1);
        }
        return out + "]";
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError("canonical JSON: only plain objects and arrays are allowed");
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort(compareUtf16);
      let out = "{";
      let first = true;
      for (const key of keys) {
        const item = obj[key];
        if (item === undefined) continue;
        if (!first) out += ",";
        first = false;
        out += write(key, depth + 1) + ":" + write(item, depth + 1);
      }
      return out + "}";
    }
    default:
      throw new TypeError(`canonical JSON: a ${typeof value} is not JSON`);
  }
}

/** Orders strings by UTF-16 code units (what RFC 8785 requires; `<` on JS strings does exactly that). */
function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
