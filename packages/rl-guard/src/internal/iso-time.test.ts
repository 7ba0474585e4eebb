import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoTimeOf } from "./iso-time.js";

describe("isoTimeOf", () => {
  it("equals new Date(ms).toISOString() for any sequence of times, repeated or not", () => {
    const ms = fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.constantFrom(0, -0, 1.5, 1_763_719_200_123), fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }));
    fc.assert(
      fc.property(fc.array(ms, { maxLength: 20 }), (times) => {
        for (const t of [...times, ...times.toReversed()]) expect(isoTimeOf(t)).toBe(new Date(t).toISOString());
      }),
    );
  });

  it("throws like toISOString for an invalid time, also right after a valid one", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1]) {
      isoTimeOf(0);
      expect(() => isoTimeOf(bad)).toThrow(RangeError);
      expect(() => isoTimeOf(bad)).toThrow(RangeError);
    }
  });
});
