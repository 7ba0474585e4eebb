/**
 * The canonical JSON of a reward record without `sig` (the bytes its signature covers),
 * written field by field in a precomputed key order instead of sorting 25 keys per record.
 * Any object that is not exactly a well-typed record takes core's general `canonicalJson`,
 * so the text is always the RFC 8785 text (a property test checks both agree).
 */
import { canonicalJson, isObject } from "../internal/canonical.js";

/** Keys of a record with `keyid` and without `sig`, in RFC 8785 order (UTF-16 code units). */
export const SIGNED_KEYS = [
  "_type", "attempt_id", "audit", "base", "blocked", "bonus", "chain", "epoch", "excluded", "final", "issued_at", "keyid", "mode",
  "nonce", "penalty", "penalty_scale", "phase", "policy_version", "primary", "reason", "rollout_id", "run_id", "terminated", "v", "violations",
] as const;
const KEY_SET: ReadonlySet<string> = new Set(SIGNED_KEYS);
/** `"key":` of each key, with a comma before all but the first. */
const KEY_TEXTS = SIGNED_KEYS.map((k, i) => `${i === 0 ? "" : ","}${JSON.stringify(k)}:`);

/** RFC 8785 canonical JSON of `record` (a reward record without `sig`, or anything else). */
export function signedText(record: unknown): string {
  return fastText(record) ?? canonicalJson(record);
}

/**
 * The text when `record` is a plain object with exactly the keys of {@link SIGNED_KEYS}, each a
 * string, number, boolean or a flat plain object of scalars; otherwise undefined.
 */
function fastText(record: unknown): string | undefined {
  if (!isObject(record) || Object.getPrototypeOf(record) !== Object.prototype) return undefined;
  const keys = Object.keys(record);
  if (keys.length !== SIGNED_KEYS.length) return undefined;
  for (const key of keys) if (!KEY_SET.has(key)) return undefined;
  let out = "{";
  for (let i = 0; i < SIGNED_KEYS.length; i++) {
    const value = record[SIGNED_KEYS[i] as string];
    if (!isScalar(value) && !(isObject(value) && Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(isScalar))) return undefined;
    // Scalars and flat objects have no nesting depth to track: the general writer gives the same text.
    out += (KEY_TEXTS[i] as string) + canonicalJson(value);
  }
  return out + "}";
}

function isScalar(value: unknown): boolean {
  const t = typeof value;
  return t === "string" || t === "number" || t === "boolean" || value === null;
}
