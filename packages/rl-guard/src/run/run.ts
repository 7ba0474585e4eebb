/**
 * The run controller `RlRun` (RL-GUARD.md §3, §9): verifies and aggregates reward records
 * per epoch, and at `endEpoch` moves the ramp σ and the phase schedule, runs the held-out
 * gap detector (D2) and integrity detector (D5), and emits an `EpochReportV1`.
 */
import type { KillSwitch } from "@agentgov/core";
import { Detectors } from "../anomaly/detectors.js";
import type { AnomalyAction } from "../config/types.js";
import type { RlGuard, RunStateV1 } from "../guard.js";
import { episodeFacts, isFactsProblem } from "../integrity/derive.js";
import type { TrustedKeys } from "../integrity/keys.js";
import { BoundedNonceSet, type NonceStore } from "../integrity/nonces.js";
import type { RewardRecordV1 } from "../integrity/record.js";
import { verifyRewardRecord, type VerifyResult } from "../integrity/verify.js";
import { isObject } from "../internal/canonical.js";
import type { RlKillSwitch } from "./kill-switch.js";
import { PhaseSchedule, type Transition } from "../schedule/schedule.js";
import { nextPenaltyScale } from "../shaping/ramp.js";
import { SEVERITIES } from "../types.js";

/** Eval figures the trainer reports with `endEpoch`. */
export interface EvalStats {
  episodes: number;
  violation_rate: number;
  heldout_success: number;
  task_reward: number;
}

/** An anomaly raised at epoch end. */
export interface Anomaly {
  detector: "D1" | "D2" | "D3" | "D4" | "D5";
  epoch: number;
  action: AnomalyAction;
  detail: string;
}

/** One line of metrics per epoch (wire object). */
export interface EpochReportV1 {
  v: 1;
  run_id: string;
  epoch: number;
  phase: string;
  penalty_scale: number;
  episodes: number;
  task_reward_mean: number;
  shaped_reward_mean: number;
  heldout_mean: number | null;
  heldout_gap: number | null;
  attempted_violation_rate: number;
  executed_violations: number;
  blocked_calls: number;
  violations: { by_severity: Record<string, number>; by_rule: Record<string, number> };
  tool_calls_per_episode: number;
  integrity: { ok: number; failed: number; by_reason: Record<string, number> };
  eval: EvalStats | null;
  anomalies: Anomaly[];
  transition: Transition | null;
}

/** Options of {@link createRlRun}. */
export interface RlRunOptions {
  keys: TrustedKeys;
  nonces?: NonceStore;
}

/** The run controller. */
export interface RlRun {
  state(): RunStateV1;
  /** Verifies a train record against its log, then aggregates it (rejected records are not aggregated). */
  ingest(rec: unknown, log: readonly unknown[], expect: { rolloutId: string; attemptId: string }): Promise<VerifyResult>;
  /** A held-out score for an audited episode of the current epoch. */
  reportHeldOut(rolloutId: string, score: number): void;
  endEpoch(o?: { eval?: EvalStats }): EpochReportV1;
}

/** Most pending held-out pairs kept per epoch (bounded: ids come from the trainer). */
export const MAX_PENDING_HELDOUT = 100_000;
/** Most distinct rule names counted per epoch. */
export const MAX_RULE_KEYS = 1024;

/** Creates the controller for a guard's run. */
export function createRlRun(guard: RlGuard, options: RlRunOptions): RlRun {
  const config = guard.config;
  const nonces = options.nonces ?? new BoundedNonceSet();
  const schedule = new PhaseSchedule(config, 0);
  const rampHistory: number[] = [];
  const detectors = new Detectors(config.detectors);
  let maxBase = -Infinity;
  let epoch = guard.state().epoch;
  let d2Streak = 0;
  let promotedHeldout: number | null = null;
  let acc = fresh();

  function fresh() {
    return {
      episodes: 0, taskSum: 0, shapedSum: 0, violated: 0, blocked: 0, calls: 0, executed: 0,
      bases: [] as number[],
      bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<string, number>, byRule: new Map<string, number>(),
      ok: 0, failed: 0, byReason: new Map<string, number>(), pending: new Map<string, number>(), pairs: [] as [number, number][],
    };
  }

  return {
    state: () => guard.state(),
    async ingest(rec, log, expect) {
      const result = await verifyRewardRecord(rec, log, { keys: options.keys, config, expect: { runId: config.run.id, ...expect }, nonces });
      if (!result.ok) {
        acc.failed++;
        acc.byReason.set(result.reason, (acc.byReason.get(result.reason) ?? 0) + 1);
        if (result.reason === "executed-after-deny") acc.executed++;
        return result;
      }
      const r: RewardRecordV1 = result.record;
      acc.ok++;
      if (r.mode !== "train") return result;
      acc.episodes++;
      acc.taskSum += r.base[r.primary] ?? 0;
      if (acc.bases.length < MAX_PENDING_HELDOUT) acc.bases.push(r.base[r.primary] ?? 0);
      acc.shapedSum += r.final;
      const total = SEVERITIES.reduce((n, s) => n + r.violations[s], 0);
      if (total > 0) acc.violated++;
      for (const s of SEVERITIES) acc.bySeverity[s] = (acc.bySeverity[s] ?? 0) + r.violations[s];
      acc.blocked += r.blocked;
      const facts = episodeFacts(log);
      if (!isFactsProblem(facts)) {
        for (const x of log) {
          if (!isObject(x) || x.stage !== "pre_tool" || !isObject(x.decision)) continue;
          acc.calls++;
          const d = x.decision;
          if (d.allowed === true) continue;
          const key = typeof d.matched_rule === "string" ? d.matched_rule : String(d.code);
          if (acc.byRule.has(key) || acc.byRule.size < MAX_RULE_KEYS) acc.byRule.set(key, (acc.byRule.get(key) ?? 0) + 1);
        }
      }
      if (r.audit && acc.pending.size < MAX_PENDING_HELDOUT) acc.pending.set(r.rollout_id, r.base[r.primary] ?? 0);
      return result;
    },
    reportHeldOut(rolloutId, score) {
      const proxy = acc.pending.get(rolloutId);
      if (proxy === undefined || !Number.isFinite(score)) return;
      acc.pending.delete(rolloutId);
      acc.pairs.push([proxy, score]);
    },
    endEpoch(o = {}) {
      const n = Math.max(1, acc.episodes);
      const taskMean = acc.taskSum / n;
      const anomalies: Anomaly[] = [];
      let heldoutMean: number | null = null;
      let gap: number | null = null;
      if (acc.pairs.length > 0) {
        heldoutMean = acc.pairs.reduce((a, [, h]) => a + h, 0) / acc.pairs.length;
        gap = acc.pairs.reduce((a, [p]) => a + p, 0) / acc.pairs.length - heldoutMean;
      }
      const h = config.heldout;
      if (h !== null && gap !== null && acc.pairs.length >= h.minPairs) {
        d2Streak = gap > h.maxGap ? d2Streak + 1 : 0;
        if (d2Streak >= h.consecutive) anomalies.push({ detector: "D2", epoch, action: h.action, detail: `held-out gap ${gap.toFixed(3)} > ${h.maxGap} for ${d2Streak} epochs` });
      }
      for (const b of acc.bases) maxBase = Math.max(maxBase, b);
      const ceilingShare = acc.bases.length === 0 ? 0 : acc.bases.filter((b) => b >= maxBase - 1e-9).length / acc.bases.length;
      const callsPerEpisode = acc.calls / n;
      for (const firing of detectors.observe(epoch, { taskRewardMean: taskMean, toolCallsPerEpisode: callsPerEpisode, ceilingShare, attemptedViolationRate: acc.violated / n, rules: [...acc.byRule.keys()] })) {
        const setting = firing.detector === "D1" ? config.detectors.spike : firing.detector === "D3" ? config.detectors.ceiling : config.detectors.surge;
        anomalies.push({ detector: firing.detector, epoch, action: setting?.action ?? "alert", detail: firing.detail });
      }
      if (acc.failed > 0) anomalies.push({ detector: "D5", epoch, action: config.integrityAction, detail: `${acc.failed} records failed verification` });
      for (const a of anomalies) {
        const why = `${a.detector} at epoch ${epoch}: ${a.detail}`;
        if (a.action === "kill") guard.killSwitch.engage(why);
        else if (a.action === "pause") {
          const ks = guard.killSwitch as Partial<RlKillSwitch> & KillSwitch;
          if (ks.pause === undefined) ks.engage(why);
          else ks.pause(why);
        }
        // `alert` is reported in the epoch report; so is `quarantine`, which does not yet withhold records.
      }

      const state = guard.state();
      const metrics: Record<string, number> = {
        task_reward_mean: taskMean,
        shaped_reward_mean: acc.shapedSum / n,
        attempted_violation_rate: acc.violated / n,
        tool_calls_per_episode: acc.calls / n,
      };
      if (heldoutMean !== null) metrics.heldout_mean = heldoutMean;
      if (heldoutMean !== null && promotedHeldout !== null) metrics.heldout_drop_since_promotion = promotedHeldout - heldoutMean;
      const ev = o.eval ?? null;
      const evalMetrics = ev === null ? null : { eval_violation_rate: ev.violation_rate, eval_heldout_success: ev.heldout_success, eval_task_reward: ev.task_reward };
      rampHistory.push(config.shaping.ramp.kind === "competence" ? (metrics[config.shaping.ramp.metric] ?? evalMetrics?.[config.shaping.ramp.metric as keyof typeof evalMetrics] ?? 0) : 0);
      if (rampHistory.length > 64) rampHistory.shift();
      const transition = schedule.endEpoch(epoch, metrics, evalMetrics);
      if (transition?.kind === "promote") promotedHeldout = heldoutMean ?? ev?.heldout_success ?? null;
      const report: EpochReportV1 = {
        v: 1, run_id: config.run.id, epoch, phase: state.phase, penalty_scale: state.penalty_scale, episodes: acc.episodes,
        task_reward_mean: taskMean, shaped_reward_mean: acc.shapedSum / n, heldout_mean: heldoutMean, heldout_gap: gap,
        attempted_violation_rate: acc.violated / n, executed_violations: acc.executed, blocked_calls: acc.blocked,
        violations: { by_severity: acc.bySeverity, by_rule: Object.fromEntries([...acc.byRule].sort(([a], [b]) => (a < b ? -1 : 1))) },
        tool_calls_per_episode: acc.calls / n, integrity: { ok: acc.ok, failed: acc.failed, by_reason: Object.fromEntries(acc.byReason) },
        eval: ev, anomalies, transition,
      };
      const scale = nextPenaltyScale(config.shaping.ramp, state.penalty_scale, epoch, rampHistory);
      epoch++;
      guard.setState({ epoch, phaseIndex: schedule.phaseIndex, penaltyScale: scale });
      acc = fresh();
      return report;
    },
  };
}
