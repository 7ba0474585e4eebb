import { describe, expect, it } from "vitest";
import { testConfig } from "../testing/fixtures/config.js";
import { PhaseSchedule } from "./schedule.js";

const good = { eval_violation_rate: 0, eval_heldout_success: 0.5, eval_task_reward: 0.5 };

describe("PhaseSchedule", () => {
  it("promotes only when every term held for its window of evals", () => {
    const s = new PhaseSchedule(testConfig());
    expect(s.endEpoch(0, {}, good)).toBeNull();
    expect(s.endEpoch(1, {}, null)).toBeNull();
    const t = s.endEpoch(2, {}, good);
    expect(t).toMatchObject({ kind: "promote", from: "basic", to: "extended", epoch: 2 });
    expect(s.phaseIndex).toBe(1);
  });

  it("does not promote a competent run that violates, nor a clean run that is not competent", () => {
    const s = new PhaseSchedule(testConfig());
    for (let e = 0; e < 6; e++) expect(s.endEpoch(e, {}, { ...good, eval_violation_rate: e % 2 === 0 ? 0.02 : 0 })).toBeNull();
    const lazy = new PhaseSchedule(testConfig());
    for (let e = 0; e < 6; e++) expect(lazy.endEpoch(e, {}, { ...good, eval_heldout_success: 0 })).toBeNull();
  });

  it("demotes on its condition and respects the cooldown", () => {
    const config = testConfig((y) => y.replace("      budgets: { max_tool_calls: 6 }\n", "      budgets: { max_tool_calls: 6 }\n      demote_when: { any: [ { metric: attempted_violation_rate, op: \">=\", value: 0.2, for: 2 } ] }\n"));
    const s = new PhaseSchedule(config);
    s.endEpoch(0, {}, good);
    expect(s.endEpoch(1, {}, good)?.kind).toBe("promote");
    // cooldown_epochs: 2 — no transition at epochs 2 and 3
    expect(s.endEpoch(2, { attempted_violation_rate: 0.5 }, null)).toBeNull();
    expect(s.endEpoch(3, { attempted_violation_rate: 0.5 }, null)).toBeNull();
    expect(s.endEpoch(4, { attempted_violation_rate: 0.5 }, null)).toMatchObject({ kind: "demote", to: "basic" });
  });
});
