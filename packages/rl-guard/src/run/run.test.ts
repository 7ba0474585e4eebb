import { describe, expect, it } from "vitest";
import { trustedKeys } from "../integrity/keys.js";
import { testConfig, testGuard, testSigner } from "../testing/fixtures/config.js";
import { createRlRun } from "./run.js";

const keys = trustedKeys([testSigner().publicKey]);

async function epoch(run: ReturnType<typeof createRlRun>, guard: ReturnType<typeof testGuard>, n: number, base: number, heldOut: number, start: number) {
  for (let i = 0; i < n; i++) {
    const id = `e${start + i}`;
    const ep = guard.beginEpisode({ runId: "run-test", rolloutId: id, attemptId: "0", mode: "train" });
    ep.gate({ id: "c1", name: "read_file", args: { path: "src/a.py" } });
    ep.recordResult("c1", { ok: true });
    const rec = await ep.finish({ base });
    expect((await run.ingest(rec, ep.log.records(), { rolloutId: id, attemptId: "0" })).ok).toBe(true);
    if (rec.audit) run.reportHeldOut(id, heldOut);
  }
}

describe("RlRun", () => {
  it("aggregates verified records and ramps σ on competence only", async () => {
    const guard = testGuard();
    const run = createRlRun(guard, { keys });
    let k = 0;
    for (let e = 0; e < 3; e++) {
      await epoch(run, guard, 4, 0.5, 0.5, k);
      k += 4;
      const report = run.endEpoch();
      expect(report).toMatchObject({ episodes: 4, task_reward_mean: 0.5, attempted_violation_rate: 0, tool_calls_per_episode: 1 });
    }
    expect(guard.state()).toMatchObject({ epoch: 3, penalty_scale: 0.1 });
  });

  it("fires D2 after `consecutive` epochs over max_gap and kills", async () => {
    const guard = testGuard();
    const run = createRlRun(guard, { keys });
    let k = 0;
    const reports = [];
    for (let e = 0; e < 2; e++) {
      await epoch(run, guard, 24, 1, 0, k);
      k += 24;
      reports.push(run.endEpoch());
    }
    expect(reports[0]?.anomalies).toEqual([]);
    expect(reports[1]?.anomalies[0]).toMatchObject({ detector: "D2", action: "kill" });
    expect(guard.killSwitch.engaged).toBe(true);
  });

  it("counts verification failures and trips D5 (integrity → kill)", async () => {
    const guard = testGuard();
    const run = createRlRun(guard, { keys });
    const ep = guard.beginEpisode({ runId: "run-test", rolloutId: "x", attemptId: "0", mode: "train" });
    const rec = await ep.finish({ base: 1 });
    const verdict = await run.ingest({ ...rec, final: 0.9 }, ep.log.records(), { rolloutId: "x", attemptId: "0" });
    expect(verdict).toMatchObject({ ok: false, reason: "bad-signature" });
    const report = run.endEpoch();
    expect(report.integrity).toEqual({ ok: 0, failed: 1, by_reason: { "bad-signature": 1 } });
    expect(report.anomalies.map((a) => a.detector)).toEqual(["D5"]);
    expect(guard.killSwitch.engaged).toBe(true);
  });

  it("ignores held-out scores for unknown rollouts (bounded state)", () => {
    const guard = testGuard(testConfig());
    const run = createRlRun(guard, { keys });
    run.reportHeldOut("never-seen", 1);
    expect(run.endEpoch().heldout_mean).toBeNull();
  });
});
