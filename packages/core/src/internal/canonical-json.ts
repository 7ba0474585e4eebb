/**
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no whitespace,
 * numbers in ECMAScript shortest form, strings escaped as JSON.stringify does.
 * Properties whose value is `undefined` are omitted (as in JSON). Non-JSON values
 * (non-finite numbers, bigint, functions, symbols, lone surrogates) throw a TypeError.
 *
 * This is on the audit hot path (every record is canonicalised once), so strings that need
 * no escaping skip JSON.stringify, `"key":` texts are cached, the few keys of an object
 * are insertion-sorted with `<`, which compares UTF-16 code units as RFC 8785 §3.2.3 requires,
 * and the text of a deeply frozen value is computed once.
 */

const LONE_SURROGATE = /\p{Surrogate}/u;
/** Anything JSON.stringify would escape, or any surrogate (paired ones take the slow path too). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Returns the RFC 8785 canonical JSON text of `value`. */
export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

const MAX_DEPTH = 512;

/**
 * Canonical texts of short strings seen recently: record fields repeat (agent, stage, tool,
 * rule and policy names, codes), and a map hit is cheaper than scanning for characters to
 * escape. Bounded (cleared when full), since strings can come from data.
 */
const STRING_TEXT = new Map<string, string>();
const STRING_TEXT_LIMIT = 8192;
const STRING_TEXT_MAX_LENGTH = 64;

/** The canonical JSON text of a string (a JSON string literal). */
export function canonicalString(value: string): string {
  if (value.length > STRING_TEXT_MAX_LENGTH) return quote(value);
  let text = STRING_TEXT.get(value);
  if (text === undefined) {
    text = quote(value);
    if (STRING_TEXT.size >= STRING_TEXT_LIMIT) STRING_TEXT.clear();
    STRING_TEXT.set(value, text);
  }
  return text;
}

/**
 * The canonical JSON text of a string that is unlikely to repeat (a digest, a call id):
 * like {@link canonicalString}, without going through (and filling) its cache.
 */
export function canonicalFreshString(value: string): string {
  return quote(value);
}

function quote(value: string): string {
  if (!NEEDS_CARE.test(value)) return `"${value}"`;
  if (LONE_SURROGATE.test(value)) throw new TypeError("canonical JSON: lone surrogate in string");
  return JSON.stringify(value);
}

/**
 * `"key":` texts of the keys seen so far: object keys repeat (the same few shapes are
 * serialised over and over), and one flat cached piece is cheaper to build and to flatten
 * later than escaping and concatenating each time. Bounded, since keys can come from data.
 */
const KEY_TEXT = new Map<string, string>();
const KEY_TEXT_LIMIT = 4096;

function keyText(key: string): string {
  let text = KEY_TEXT.get(key);
  if (text === undefined) {
    text = canonicalString(key) + ":";
    if (KEY_TEXT.size < KEY_TEXT_LIMIT) KEY_TEXT.set(key, text);
  }
  return text;
}

function write(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new TypeError("canonical JSON: nesting too deep");
  switch (typeof value) {
    case "string":
      return canonicalString(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonical JSON: non-finite number");
      return Object.is(value, -0) ? "0" : String(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Object.isFrozen(value)) return frozenText(value, depth);
      return objectText(value, depth);
    }
    default:
      throw new TypeError(`canonical JSON: a ${typeof value} is not JSON`);
  }
}

/**
 * Texts of deeply frozen values, with their nesting height (null: frozen, but not all the
 * way down or with an accessor, so never cached). Such a value cannot change, so its text is
 * computed once: the shared constant parts of records (a fixed decision, outcome or `ext`)
 * cost a lookup. Weak: an entry lives as long as its value.
 */
const FROZEN_TEXT = new WeakMap<object, { text: string; height: number } | null>();

function frozenText(value: object, depth: number): string {
  const known = FROZEN_TEXT.get(value);
  if (known !== undefined && known !== null) {
    // The same nesting limit as if it were written out again.
    if (depth + known.height > MAX_DEPTH) throw new TypeError("canonical JSON: nesting too deep");
    return known.text;
  }
  const text = objectText(value, depth);
  if (known === undefined) {
    const height = deeplyFrozenHeight(value, 0);
    FROZEN_TEXT.set(value, height < 0 ? null : { text, height });
  }
  return text;
}

/**
 * The nesting height of `value` when it and everything in it is frozen and made of data
 * properties only (so no getter can change its text); -1 otherwise.
 */
function deeplyFrozenHeight(value: object, depth: number): number {
  if (depth > MAX_DEPTH || !Object.isFrozen(value)) return -1;
  let height = 0;
  for (const descriptor of Object.values(Object.getOwnPropertyDescriptors(value))) {
    if (!("value" in descriptor)) return -1;
    const item: unknown = descriptor.value;
    if (typeof item !== "object" || item === null) continue;
    const below = deeplyFrozenHeight(item, depth + 1);
    if (below < 0) return -1;
    height = Math.max(height, below + 1);
  }
  return height;
}

/** The text of an array or a plain object (anything else throws). */
function objectText(value: object, depth: number): string {
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
  const keys = sortedKeys(obj);
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = obj[key];
    if (item === undefined) continue;
    if (!first) out += ",";
    first = false;
    out += keyText(key) + write(item, depth + 1);
  }
  return out + "}";
}

/**
 * Own enumerable keys in UTF-16 code unit order (RFC 8785 §3.2.3; `<` on JS strings compares
 * code units). Insertion sort: objects here have a handful of keys, where it is cheaper than
 * `Array.prototype.sort` (about 100 ns saved on a 5-key object here).
 */
function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  const n = keys.length;
  if (n > 16) {
    // The default comparator also orders strings by UTF-16 code units.
    return keys.sort();
  }
  for (let i = 1; i < n; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > key; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
  return keys;
}
