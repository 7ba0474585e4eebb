import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../internal/canonical.js";
import { REWARD_RECORD_TYPE } from "./record.js";
import { type FinalRewardFields, type FixedRewardFields, rewardTextWriter } from "./reward-text.js";
import { signedText } from "./signed-text.js";

/** Strings that need escaping, non-ASCII and surrogate pairs, as well as plain ones. */
const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom('"', "\\", "\n", "é😀", "run\u2028x", ""));
const finite = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(-0, 1e21, 1e-7, 0.1 + 0.2));
const count = fc.nat({ max: 1000 });

const fixed: fc.Arbitrary<FixedRewardFields> = fc.record({
  run_id: text, rollout_id: text, attempt_id: text, mode: fc.constantFrom("train" as const, "val" as const), epoch: count, phase: text,
  policy_version: text, penalty_scale: finite, audit: fc.boolean(), nonce: text, keyid: text,
});
const final: fc.Arbitrary<FinalRewardFields> = fc.record({
  base: fc.dictionary(text, finite, { minKeys: 1, maxKeys: 4 }), blocked: count, bonus: finite,
  chain: fc.record({ head: fc.stringMatching(/^[0-9a-f]{64}$/), len: count }), excluded: fc.boolean(), final: finite,
  issued_at: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(253402300799999) }).map((d) => d.toISOString()),
  penalty: finite, primary: text, reason: fc.constantFrom("shaped" as const, "killed" as const, "guard-error" as const),
  terminated: fc.boolean(), violations: fc.record({ critical: count, high: count, medium: count, low: count }),
});

describe("rewardTextWriter", () => {
  it("property: writes the RFC 8785 text of the record without sig, the text signedText writes", () => {
    fc.assert(
      fc.property(fixed, final, (fx, fin) => {
        const record = { v: 1, _type: REWARD_RECORD_TYPE, ...fx, ...fin };
        const written = rewardTextWriter(fx)(fin);
        expect(written).toBe(canonicalJson(record));
        expect(written).toBe(signedText(record));
      }),
      { numRuns: 500 },
    );
  });

  it("declines a record with a non-finite number, so the caller's general writer throws", () => {
    const fx: FixedRewardFields = { run_id: "r", rollout_id: "o", attempt_id: "0", mode: "train", epoch: 1, phase: "p", policy_version: "v", penalty_scale: 1, audit: false, nonce: "n", keyid: "k" };
    const ok: FinalRewardFields = {
      base: { task: 1 }, blocked: 0, bonus: 0, chain: { head: "ab".repeat(32), len: 3 }, excluded: false, final: 1, issued_at: "2026-11-21T00:00:00.000Z",
      penalty: 0, primary: "task", reason: "shaped", terminated: false, violations: { critical: 0, high: 0, medium: 0, low: 0 },
    };
    const write = rewardTextWriter(fx);
    expect(write(ok)).toBeTypeOf("string");
    for (const bad of [{ final: Number.NaN }, { penalty: Infinity }, { bonus: -Infinity }, { blocked: Number.NaN }, { chain: { head: "ab".repeat(32), len: Infinity } }, { violations: { ...ok.violations, high: Number.NaN } }]) {
      expect(write({ ...ok, ...bad })).toBeUndefined();
    }
  });
});
