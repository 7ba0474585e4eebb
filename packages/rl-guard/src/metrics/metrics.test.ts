import { describe, expect, it } from "vitest";
import type { EpochReportV1 } from "../run/run.js";
import { epochReportLine, escapeLabel, MAX_RULE_LABELS, RlMetrics } from "./metrics.js";

const report = (over: Partial<EpochReportV1> = {}): EpochReportV1 => ({
  v: 1, run_id: "r", epoch: 0, phase: "basic", penalty_scale: 0.3, episodes: 128, task_reward_mean: 0.4, shaped_reward_mean: 0.35,
  heldout_mean: 0.5, heldout_gap: -0.1, attempted_violation_rate: 0.05, executed_violations: 0, blocked_calls: 8,
  violations: { by_severity: { critical: 0, high: 6, medium: 0, low: 2 }, by_rule: { "test-tamper": 5 } }, tool_calls_per_episode: 3.1,
  integrity: { ok: 128, failed: 1, by_reason: { chain: 1 } }, eval: null, anomalies: [], transition: null, ...over,
});

describe("metrics", () => {
  it("writes one JSON line per epoch", () => {
    const line = epochReportLine(report());
    expect(line.endsWith("\n")).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ v: 1, epoch: 0, blocked_calls: 8 });
  });

  it("exposes counters and gauges in Prometheus text", () => {
    const m = new RlMetrics();
    m.add(report());
    m.add(report({ epoch: 1, anomalies: [{ detector: "D2", epoch: 1, action: "alert", detail: "" }] }));
    const text = m.prometheus();
    expect(text).toContain('agentgov_rl_episodes_total{mode="train"} 256');
    expect(text).toContain('agentgov_rl_violations_total{rule="test-tamper"} 10');
    expect(text).toContain('agentgov_rl_integrity_total{result="chain"} 2');
    expect(text).toContain('agentgov_rl_anomalies_total{detector="D2"} 1');
    expect(text).toContain('agentgov_rl_phase_info{phase="basic"} 1');
    expect(text).toContain("# TYPE agentgov_rl_penalty_scale gauge");
  });

  it("bounds and escapes rule labels", () => {
    const m = new RlMetrics();
    const byRule: Record<string, number> = {};
    for (let i = 0; i < MAX_RULE_LABELS + 10; i++) byRule[`r${i}`] = 1;
    m.add(report({ violations: { by_severity: {}, by_rule: byRule } }));
    const text = m.prometheus();
    expect(text).toContain('rule="_other"} 10');
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });
});
