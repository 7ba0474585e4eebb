import { describe, expect, it } from "vitest";
import type { ShapingConfig } from "../config/types.js";
import { testConfig } from "../testing/fixtures/config.js";
import { AGT_DEFAULTS, agtPenalty, agtShape } from "./agt.js";
import { initialPenaltyScale, nextPenaltyScale } from "./ramp.js";
import { shapeReward } from "./shape.js";

const shaping: ShapingConfig = testConfig().shaping;

describe("shapeReward", () => {
  it("applies the normative arithmetic", () => {
    // σ·max(floor, Σ) + b, clamped: 0.5·max(-1, -0.5-0.2) = -0.35
    expect(shapeReward(shaping, { base: 1, severities: ["high", "medium"], scale: 0.5, mode: "train" })).toEqual({ penalty: -0.35, bonus: 0, final: 0.65, excluded: false });
    // the floor caps the sum before scaling
    expect(shapeReward(shaping, { base: 1, severities: ["critical", "critical", "high"], scale: 1, mode: "train" }).penalty).toBe(-1);
    // clamp
    expect(shapeReward(shaping, { base: 0, severities: ["critical"], scale: 1, mode: "train" }).final).toBe(-1);
  });

  it("normalises -0 to 0 when σ = 0", () => {
    const r = shapeReward(shaping, { base: 0, severities: ["high"], scale: 0, mode: "train" });
    expect(Object.is(r.penalty, 0)).toBe(true);
    expect(Object.is(r.final, 0)).toBe(true);
  });

  it("pays no clean bonus unless configured, and only with a positive base", () => {
    expect(shapeReward(shaping, { base: 1, severities: [], scale: 1, mode: "train" }).bonus).toBe(0);
    const withBonus = { ...shaping, cleanBonus: 0.1 };
    expect(shapeReward(withBonus, { base: 0.5, severities: [], scale: 1, mode: "train" })).toMatchObject({ bonus: 0.1, final: 0.6 });
    expect(shapeReward(withBonus, { base: 0, severities: [], scale: 1, mode: "train" }).bonus).toBe(0);
  });

  it("leaves val episodes unshaped", () => {
    expect(shapeReward(shaping, { base: 1, severities: ["critical"], scale: 1, mode: "val" })).toEqual({ penalty: 0, bonus: 0, final: 1, excluded: false });
    expect(shapeReward({ ...shaping, shapeVal: true }, { base: 1, severities: ["critical"], scale: 1, mode: "val" }).final).toBe(0);
  });

  it("observe records nothing in the reward; screen excludes episodes with violations", () => {
    expect(shapeReward({ ...shaping, mode: "observe" }, { base: 1, severities: ["critical"], scale: 1, mode: "train" }).final).toBe(1);
    expect(shapeReward({ ...shaping, mode: "screen" }, { base: 1, severities: ["low"], scale: 1, mode: "train" }).excluded).toBe(true);
    expect(shapeReward({ ...shaping, mode: "screen" }, { base: 1, severities: [], scale: 1, mode: "train" }).excluded).toBe(false);
  });
});

describe("AGT compatibility fixtures (A9)", () => {
  it("one critical, base 1 → −99", () => {
    expect(agtShape(AGT_DEFAULTS, 1, ["critical"]).final).toBe(-99);
  });
  it("multiplicative, base 10, one low → 5.0", () => {
    expect(agtShape({ ...AGT_DEFAULTS, multiplicative: true }, 10, ["low"]).final).toBe(5);
  });
  it("clean, base 1 → 6.0", () => {
    expect(agtShape(AGT_DEFAULTS, 1, []).final).toBe(6);
  });
  it("unknown severity + critical → penalty −110", () => {
    expect(agtPenalty(AGT_DEFAULTS, ["bogus", "critical"])).toBe(-110);
  });
  it("is what shapeReward does under agt_compat", () => {
    expect(shapeReward({ ...shaping, agtCompat: AGT_DEFAULTS }, { base: 1, severities: ["critical"], scale: 0, mode: "train" }).final).toBe(-99);
  });
});

describe("penalty-scale ramp", () => {
  const ramp = shaping.ramp;
  it("starts at 0 and steps only on a competent trailing window", () => {
    expect(initialPenaltyScale(ramp)).toBe(0);
    expect(nextPenaltyScale(ramp, 0, 1, [0.5, 0.5])).toBe(0);
    expect(nextPenaltyScale(ramp, 0, 2, [0.2, 0.3, 0.4])).toBe(0.1);
    expect(nextPenaltyScale(ramp, 0.1, 3, [0.3, 0.4, 0.1])).toBe(0.1);
  });
  it("never exceeds 1 nor lands on float noise", () => {
    let s = 0;
    for (let i = 0; i < 15; i++) s = nextPenaltyScale(ramp, s, i, [1, 1, 1]);
    expect(s).toBe(1);
    expect(nextPenaltyScale(ramp, 0.2, 0, [1, 1, 1])).toBe(0.3);
  });
  it("warmup is linear and none is 1", () => {
    expect(nextPenaltyScale({ kind: "warmup", startEpoch: 20, rampEpochs: 20 }, 0, 29, [])).toBe(0.5);
    expect(nextPenaltyScale({ kind: "none" }, 0, 0, [])).toBe(1);
    expect(initialPenaltyScale({ kind: "none" })).toBe(1);
  });
});
