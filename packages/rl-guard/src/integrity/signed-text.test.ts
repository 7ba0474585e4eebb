import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../internal/canonical.js";
import { SIGNED_KEYS, signedText, typedText } from "./signed-text.js";

const scalar = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
const flat = fc.dictionary(fc.string(), scalar);
/** A record-shaped object: every signed key, values scalars or flat objects, keys in random order. */
const recordLike = fc
  .tuple(fc.tuple(...SIGNED_KEYS.map(() => fc.oneof(scalar, flat))), fc.array(fc.nat(), { minLength: SIGNED_KEYS.length, maxLength: SIGNED_KEYS.length }))
  .map(([values, order]) => {
    const entries = SIGNED_KEYS.map((k, i) => [k, values[i]] as const);
    entries.sort((a, b) => (order[SIGNED_KEYS.indexOf(a[0])] ?? 0) - (order[SIGNED_KEYS.indexOf(b[0])] ?? 0));
    return Object.fromEntries(entries);
  });

/** Same text or the same error from both writers. */
function agree(value: unknown): void {
  let general: string | Error;
  try {
    general = canonicalJson(value);
  } catch (error) {
    general = error as Error;
  }
  if (general instanceof Error) expect(() => signedText(value)).toThrow(general.message);
  else expect(signedText(value)).toBe(general);
  // The template either declines or writes exactly the general text.
  const typed = typedText(value);
  if (typed !== undefined) expect(typed).toBe(general);
}

/** Strings the template writes itself (no escape, no surrogate), including non-ASCII and long ones. */
const plainString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme-ascii" }),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.constantFrom("", "ed25519:" + "ab".repeat(32), "2026-11-21T10:00:00.123Z"),
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be excluded
).filter((t) => !/["\\\u0000-\u001f\ud800-\udfff]/.test(t));
const finite = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(-0, 0, 1e21, 1e-7, Number.MAX_VALUE, Number.MIN_VALUE));
const STRING_KEYS = ["_type", "attempt_id", "issued_at", "keyid", "mode", "nonce", "phase", "policy_version", "primary", "reason", "rollout_id", "run_id"];
const NUMBER_KEYS = ["blocked", "bonus", "epoch", "final", "penalty", "penalty_scale", "v"];
/** Well-typed records, keys in any order, nested keys in any order. */
const wellTyped = fc
  .record({
    strings: fc.tuple(...STRING_KEYS.map(() => plainString)),
    numbers: fc.tuple(...NUMBER_KEYS.map(() => finite)),
    flags: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
    base: fc.dictionary(plainString, finite, { maxKeys: 16 }),
    head: plainString,
    len: finite,
    counts: fc.tuple(finite, finite, finite, finite),
    order: fc.array(fc.double({ noNaN: true }), { minLength: SIGNED_KEYS.length, maxLength: SIGNED_KEYS.length }),
    flip: fc.boolean(),
  })
  .map(({ strings, numbers, flags, base, head, len, counts, order, flip }) => {
    const values: Record<string, unknown> = {
      ...Object.fromEntries(STRING_KEYS.map((k, i) => [k, strings[i]])),
      ...Object.fromEntries(NUMBER_KEYS.map((k, i) => [k, numbers[i]])),
      // A plain copy: fast-check may build a dictionary without prototype.
      audit: flags[0], excluded: flags[1], terminated: flags[2], base: { ...base },
      chain: flip ? { len, head } : { head, len },
      violations: flip ? { low: counts[0], medium: counts[1], high: counts[2], critical: counts[3] } : { critical: counts[3], high: counts[2], medium: counts[1], low: counts[0] },
    };
    const keys = [...SIGNED_KEYS].sort((a, b) => (order[SIGNED_KEYS.indexOf(a)] ?? 0) - (order[SIGNED_KEYS.indexOf(b)] ?? 0));
    return Object.fromEntries(keys.map((k) => [k, values[k]]));
  });

describe("signedText (fast canonical text of a reward record)", () => {
  it("lists the keys in RFC 8785 order", () => {
    expect([...SIGNED_KEYS]).toEqual([...SIGNED_KEYS].sort());
  });

  it("equals canonicalJson for record-shaped objects, including non-JSON numbers and odd strings", () => {
    fc.assert(fc.property(recordLike, agree), { numRuns: 300 });
  });

  it("equals canonicalJson when a key is missing, extra, undefined, nested deeper or the object is not plain", () => {
    fc.assert(
      fc.property(recordLike, fc.nat(SIGNED_KEYS.length - 1), fc.constantFrom("drop", "extra", "undefined", "deep", "array", "null-proto"), (r, i, how) => {
        const key = SIGNED_KEYS[i] as string;
        let value: unknown = how === "drop" ? Object.fromEntries(Object.entries(r).filter(([k]) => k !== key)) : { ...r };
        const o = value as Record<string, unknown>;
        if (how === "extra") o.zz_extra = 1;
        if (how === "undefined") o[key] = undefined;
        if (how === "deep") o[key] = { a: { b: [1, "x"] } };
        if (how === "array") o[key] = [1, 2];
        if (how === "null-proto") value = Object.assign(Object.create(null) as object, o);
        agree(value);
      }),
      { numRuns: 300 },
    );
  });

  it("equals canonicalJson for any string (controls, quotes, astral, lone surrogates) and any double in a scalar field", () => {
    const base = Object.fromEntries(SIGNED_KEYS.map((k) => [k, 0]));
    const surrogateIn = fc.tuple(fc.string(), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string()).map(([a, c, z]) => a + String.fromCharCode(c) + z);
    const anyString = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), fc.string({ unit: fc.integer({ min: 0, max: 0x3f }).map((c) => String.fromCharCode(c)) }), surrogateIn);
    fc.assert(
      fc.property(fc.constantFrom(...SIGNED_KEYS), fc.oneof(anyString, fc.double(), fc.constantFrom(-0, 1e21, 1e-7, Number.MAX_VALUE, Number.MIN_VALUE)), (key, value) => {
        agree({ ...base, [key]: value });
      }),
      { numRuns: 2000 },
    );
  });

  it("equals canonicalJson when a nested object has odd keys or values (escapes, surrogates, undefined, non-finite, many keys)", () => {
    const base = Object.fromEntries(SIGNED_KEYS.map((k) => [k, 0]));
    const odd = fc.oneof(fc.string({ unit: "binary" }), fc.constantFrom("", "\"", "\\", "\u0000", "\ud800", "__proto__", "1", "10", "a\u2028"));
    const oddValue = fc.oneof(odd, fc.double(), fc.constantFrom(-0, undefined, Number.NaN, Number.POSITIVE_INFINITY, null, true));
    const nested = fc.oneof(fc.dictionary(odd, oddValue, { maxKeys: 20 }), fc.dictionary(fc.string(), fc.integer(), { minKeys: 15, maxKeys: 20 }));
    fc.assert(
      fc.property(fc.constantFrom("base", "chain", "violations"), nested, (key, value) => {
        agree({ ...base, [key]: value });
      }),
      { numRuns: 1000 },
    );
  });

  it("writes every well-typed record with the template, equal to canonicalJson (any key order, -0, odd doubles, many base keys)", () => {
    fc.assert(
      fc.property(wellTyped, (r) => {
        expect(typedText(r)).toBe(canonicalJson(r));
        expect(signedText(r)).toBe(canonicalJson(r));
      }),
      { numRuns: 1000 },
    );
  });

  it("leaves to the general writer a well-typed record with one field changed (wrong type, escape, surrogate, extra nested key, non-finite)", () => {
    const changes: unknown[] = ["a\"b", "\\", "\u0001", "\ud800", "\ud83d\ude00", 1, "1", true, null, Number.NaN, Number.POSITIVE_INFINITY, [1], { a: { b: 1 } }, { head: "h", len: 1, x: 1 }, { critical: 0, high: 0, low: 0, medium: 0, x: 0 }, { critical: 0, high: 0, low: 0 }, { len: 1 }, {}];
    fc.assert(
      fc.property(wellTyped, fc.constantFrom(...SIGNED_KEYS), fc.constantFrom(...changes), (r, key, value) => {
        agree({ ...r, [key]: value });
      }),
      { numRuns: 1000 },
    );
  });

  it("equals canonicalJson on a real record shape", () => {
    const record = {
      v: 1, _type: "agentgov/rl/reward/v1", run_id: "run", rollout_id: "r\u00e9\u{1F600}", attempt_id: "0", mode: "train", epoch: 3, phase: "basic", policy_version: "p",
      penalty_scale: 0.5, base: { task: 1, z: -0 }, primary: "task", penalty: -0.25, bonus: 0, final: 0.75, reason: "shaped",
      violations: { critical: 0, high: 1, medium: 0, low: 0 }, blocked: 1, terminated: false, excluded: false, audit: true,
      chain: { head: "ab".repeat(32), len: 7 }, nonce: "n\"\\\n", issued_at: "2026-01-01T00:00:00.000Z", keyid: "ed25519:00",
    };
    agree(record);
    expect(signedText(record)).toContain('"base":{"task":1,"z":0}');
  });
});
