/**
 * The canonical JSON of a reward record without `sig` (the bytes its signature covers),
 * written in one template in the canonical key order instead of sorting 25 keys and
 * serialising each value generically. Any object that is not exactly a well-typed record
 * takes core's general `canonicalJson`, so the text is always the RFC 8785 text (property
 * tests check both agree, and that well-typed records take the template).
 */
import { canonicalJson, isObject } from "../internal/canonical.js";

/** Keys of a record with `keyid` and without `sig`, in RFC 8785 order (UTF-16 code units). */
export const SIGNED_KEYS = [
  "_type", "attempt_id", "audit", "base", "blocked", "bonus", "chain", "epoch", "excluded", "final", "issued_at", "keyid", "mode",
  "nonce", "penalty", "penalty_scale", "phase", "policy_version", "primary", "reason", "rollout_id", "run_id", "terminated", "v", "violations",
] as const;
const KEY_SET: ReadonlySet<string> = new Set(SIGNED_KEYS);

/** RFC 8785 canonical JSON of `record` (a reward record without `sig`, or anything else). */
export function signedText(record: unknown): string {
  return typedText(record) ?? canonicalJson(record);
}

/**
 * The order in which `finish` builds a record's keys: `Object.keys` of such a record is
 * compared with it first (a pointer comparison per key), before the general key-set check.
 */
const BUILT_ORDER = [
  "v", "_type", "run_id", "rollout_id", "attempt_id", "mode", "epoch", "phase", "policy_version", "penalty_scale", "base", "primary", "penalty",
  "bonus", "final", "reason", "violations", "blocked", "terminated", "excluded", "audit", "chain", "nonce", "issued_at", "keyid",
] as const;

/** True when the own enumerable keys of `record` are exactly {@link SIGNED_KEYS}. */
function hasSignedKeys(record: object): boolean {
  const keys = Object.keys(record);
  if (keys.length !== SIGNED_KEYS.length) return false;
  let i = 0;
  while (i < keys.length && keys[i] === BUILT_ORDER[i]) i++;
  if (i === keys.length) return true;
  for (const key of keys) if (!KEY_SET.has(key)) return false;
  return true;
}

/**
 * The text of a well-typed record, written in one template in canonical key order: every
 * string field a string that needs no escaping, every number field a finite number, every
 * boolean field a boolean, `base` a flat object of finite numbers, `chain` exactly
 * `{head, len}` and `violations` exactly the four severities. Anything else (a malformed
 * record handed to the verifier) is undefined, and the general writer takes it: it also owns
 * every error. Each field is read once.
 */
export function typedText(record: unknown): string | undefined {
  if (!isObject(record) || Object.getPrototypeOf(record) !== Object.prototype || !hasSignedKeys(record)) return undefined;
  const r = record;
  const type = r._type, attempt = r.attempt_id, audit = r.audit, blocked = r.blocked, bonus = r.bonus, epoch = r.epoch, excluded = r.excluded;
  const final = r.final, issuedAt = r.issued_at, keyid = r.keyid, mode = r.mode, nonce = r.nonce, penalty = r.penalty, scale = r.penalty_scale;
  const phase = r.phase, version = r.policy_version, primary = r.primary, reason = r.reason, rollout = r.rollout_id, run = r.run_id;
  const terminated = r.terminated, v = r.v;
  if (
    !(isPlainString(type) && isPlainString(attempt) && isPlainString(issuedAt) && isPlainString(keyid) && isPlainString(mode) && isPlainString(nonce)
      && isPlainString(phase) && isPlainString(version) && isPlainString(primary) && isPlainString(reason) && isPlainString(rollout) && isPlainString(run))
    || !(isFiniteNumber(blocked) && isFiniteNumber(bonus) && isFiniteNumber(epoch) && isFiniteNumber(final) && isFiniteNumber(penalty) && isFiniteNumber(scale) && isFiniteNumber(v))
    || !(typeof audit === "boolean" && typeof excluded === "boolean" && typeof terminated === "boolean")
  ) return undefined;
  const base = numbersText(r.base);
  const chain = chainText(r.chain);
  const violations = violationsText(r.violations);
  if (base === undefined || chain === undefined || violations === undefined) return undefined;
  return `{"_type":"${type}","attempt_id":"${attempt}","audit":${String(audit)},"base":${base},"blocked":${num(blocked)},"bonus":${num(bonus)},`
    + `"chain":${chain},"epoch":${num(epoch)},"excluded":${String(excluded)},"final":${num(final)},"issued_at":"${issuedAt}","keyid":"${keyid}",`
    + `"mode":"${mode}","nonce":"${nonce}","penalty":${num(penalty)},"penalty_scale":${num(scale)},"phase":"${phase}","policy_version":"${version}",`
    + `"primary":"${primary}","reason":"${reason}","rollout_id":"${rollout}","run_id":"${run}","terminated":${String(terminated)},"v":${num(v)},`
    + `"violations":${violations}}`;
}

/** Anything JSON.stringify would escape, or any surrogate: such strings take the general writer. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string whose JSON text is the string in quotes (no escape, no surrogate). */
function isPlainString(value: unknown): value is string {
  if (typeof value !== "string") return false;
  // Short strings (mode, phase, reason, ids) are scanned here, cheaper than a regular-expression call; longer ones (digests, times) are not.
  if (value.length > 16) return !NEEDS_CARE.test(value);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** ECMAScript shortest form of a finite number; -0 is written 0. */
function num(value: number): string {
  return value === 0 ? "0" : String(value);
}

/** Own keys of a plain object, or undefined. */
function plainKeys(value: unknown): string[] | undefined {
  return isObject(value) && Object.getPrototypeOf(value) === Object.prototype ? Object.keys(value) : undefined;
}

/** `{"k":n,…}` of a plain object of finite numbers with plain keys (at most 16: insertion-sorted), or undefined. */
function numbersText(value: unknown): string | undefined {
  const keys = plainKeys(value);
  if (keys === undefined || keys.length > 16) return undefined;
  const obj = value as Record<string, unknown>;
  const n = keys.length;
  // `<` on strings compares UTF-16 code units, the order RFC 8785 requires.
  for (let i = 1; i < n; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > key; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
  let out = "{";
  for (let i = 0; i < n; i++) {
    const key = keys[i] as string;
    const item = obj[key];
    if (!isPlainString(key) || !isFiniteNumber(item)) return undefined;
    out += `${i === 0 ? "" : ","}"${key}":${num(item)}`;
  }
  return out + "}";
}

/** `{"head":"…","len":n}` when `value` is exactly that, else undefined. */
function chainText(value: unknown): string | undefined {
  const keys = plainKeys(value);
  if (keys?.length !== 2 || !((keys[0] === "head" && keys[1] === "len") || (keys[0] === "len" && keys[1] === "head"))) return undefined;
  const { head, len } = value as Record<string, unknown>;
  return isPlainString(head) && isFiniteNumber(len) ? `{"head":"${head}","len":${num(len)}}` : undefined;
}

const SEVERITY_KEYS: ReadonlySet<string> = new Set(["critical", "high", "low", "medium"]);

/** `{"critical":n,"high":n,"low":n,"medium":n}` when `value` is exactly the four counts, else undefined. */
function violationsText(value: unknown): string | undefined {
  const keys = plainKeys(value);
  if (keys?.length !== 4 || !keys.every((k) => SEVERITY_KEYS.has(k))) return undefined;
  const { critical, high, low, medium } = value as Record<string, unknown>;
  return isFiniteNumber(critical) && isFiniteNumber(high) && isFiniteNumber(low) && isFiniteNumber(medium)
    ? `{"critical":${num(critical)},"high":${num(high)},"low":${num(low)},"medium":${num(medium)}}`
    : undefined;
}
