import { describe, expect, it } from "vitest";
import { mulberry32 } from "../demo/rng.js";
import { Detectors, median, robustZ, type EpochSignal } from "./detectors.js";

const signal = (over: Partial<EpochSignal> = {}): EpochSignal => ({ taskRewardMean: 0.3, toolCallsPerEpisode: 4, ceilingShare: 0.1, attemptedViolationRate: 0.1, rules: [], ...over });
const all = { spike: { window: 8, minEpochs: 5, z: 4, effortDrop: 0.8, zAlone: 8, action: "alert" as const }, ceiling: { jump: 0.2, action: "alert" as const }, surge: { warmupEpochs: 10, rise: 0.05, consecutive: 2, action: "alert" as const } };

describe("detectors", () => {
  it("median and robust z", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(robustZ(1, [0, 0, 0])).toBe(100);
  });

  it("D1 fires on a step up with an effort drop, not on noise nor a slow ramp", () => {
    const rng = mulberry32(3);
    const noisy = new Detectors({ ...all, ceiling: null, surge: null });
    for (let e = 0; e < 60; e++) expect(noisy.observe(e, signal({ taskRewardMean: 0.3 + (rng() - 0.5) * 0.1 }))).toEqual([]);
    const ramp = new Detectors({ ...all, ceiling: null, surge: null });
    for (let e = 0; e < 60; e++) expect(ramp.observe(e, signal({ taskRewardMean: 0.2 + e * 0.005 }))).toEqual([]);
    const step = new Detectors({ ...all, ceiling: null, surge: null });
    for (let e = 0; e < 10; e++) step.observe(e, signal({ taskRewardMean: 0.3 + (e % 2) * 0.02 }));
    expect(step.observe(10, signal({ taskRewardMean: 0.6, toolCallsPerEpisode: 1.5 })).map((f) => f.detector)).toEqual(["D1"]);
  });

  it("D1 needs min_epochs of history", () => {
    const d = new Detectors({ ...all, ceiling: null, surge: null });
    for (let e = 0; e < 3; e++) d.observe(e, signal());
    expect(d.observe(3, signal({ taskRewardMean: 5, toolCallsPerEpisode: 0 }))).toEqual([]);
  });

  it("D3 fires when the share at maximum reward jumps", () => {
    const d = new Detectors({ ...all, spike: null, surge: null });
    for (let e = 0; e < 5; e++) expect(d.observe(e, signal())).toEqual([]);
    expect(d.observe(5, signal({ ceilingShare: 0.45 })).map((f) => f.detector)).toEqual(["D3"]);
  });

  it("D4 fires on a new rule after warm-up and on a sustained rise", () => {
    const d = new Detectors({ ...all, spike: null, ceiling: null });
    expect(d.observe(0, signal({ rules: ["test-tamper"] }))).toEqual([]);
    for (let e = 1; e < 10; e++) d.observe(e, signal({ rules: ["test-tamper"] }));
    expect(d.observe(10, signal({ rules: ["test-tamper", "egress"] }))[0]?.detail).toMatch(/egress/);
    expect(d.observe(11, signal({ attemptedViolationRate: 0.2 }))).toEqual([]);
    expect(d.observe(12, signal({ attemptedViolationRate: 0.3 })).map((f) => f.detector)).toEqual(["D4"]);
  });
});
