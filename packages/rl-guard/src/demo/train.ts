/**
 * The simulated training loop of one arm and seed (RL-GUARD.md §13): every train episode
 * runs through a governed episode, its record is signed, verified and only then used for
 * the GRPO-style update; evals run every 10 epochs and at the end.
 */
import { createRlGuard } from "../guard.js";
import { trustedKeys } from "../integrity/keys.js";
import { createRlKillSwitch } from "../run/kill-switch.js";
import { createRlRun, type EpochReportV1 } from "../run/run.js";
import type { ArmName } from "./arms.js";
import { armConfig } from "./arms.js";
import { mulberry32, seedSigner } from "./rng.js";
import { ACTIONS, MAX_STEPS, SUBMIT, TabularPolicy, TaskWorld } from "./sim.js";

/** Sizes of a run. */
export interface TrainOptions {
  epochs: number;
  tasks?: number;
  group?: number;
  evalEvery?: number;
  evalEpisodes?: number;
  lr?: number;
  evalTemperature?: number;
}

/** One epoch's figures, as the demo reports them. */
export interface EpochFigures {
  epoch: number;
  proxy: number;
  shaped: number;
  trueSuccess: number;
  attemptedViolationRate: number;
  callsPerEpisode: number;
  blocked: number;
  executedViolations: number;
  /** Train episodes with an executed hack whose record reached the update. */
  hackedInUpdate: number;
  sigma: number;
  phase: string;
  evalViolationRate: number | null;
  evalTrueSuccess: number | null;
  anomalies: string[];
  integrityFailed: number;
}

/** A finished arm-seed run. */
export interface ArmRun {
  arm: ArmName;
  seed: number;
  epochs: EpochFigures[];
  promotedAt: number | null;
  firstD2: number | null;
  killedAt: number | null;
  records: number;
  falseRejections: number;
  /** The controller's reports, one per epoch. */
  reports: EpochReportV1[];
}

/** Runs one arm with one seed. Deterministic for a given seed. */
export async function trainArm(arm: ArmName, seed: number, o: TrainOptions): Promise<ArmRun> {
  const tasks = o.tasks ?? 16;
  const group = o.group ?? 8;
  const evalEvery = o.evalEvery ?? 10;
  const evalEpisodes = o.evalEpisodes ?? 400;
  const lr = o.lr ?? 1;
  const evalT = o.evalTemperature ?? 0.25;
  const rng = mulberry32(seed);
  const signer = seedSigner(seed);
  const config = armConfig(arm);
  let now = Date.UTC(2026, 10, 21);
  const clock = (): number => now;
  const guard = createRlGuard(config, { signer, clock, random: (n) => rng.bytes(n), auditKey: Buffer.from(`demo-audit:${seed}`), killSwitch: createRlKillSwitch({ stateFile: null }) });
  const run = createRlRun(guard, { keys: trustedKeys([signer.publicKey]) });
  const policy = new TabularPolicy();
  const out: ArmRun = { arm, seed, epochs: [], promotedAt: null, firstD2: null, killedAt: null, records: 0, falseRejections: 0, reports: [] };
  let rollout = 0;

  const episode = async (mode: "train" | "val", t: number) => {
    const rolloutId = `${mode}-${++rollout}`;
    now += 1000;
    const ep = guard.beginEpisode({ runId: config.run.id, rolloutId, attemptId: "0", mode });
    const world = new TaskWorld();
    const steps: [number, number][] = [];
    let violated = false;
    for (let step = 0; step < MAX_STEPS; step++) {
      const s = world.state;
      const a = policy.sample(s, t, rng);
      const action = ACTIONS[a] ?? ACTIONS[SUBMIT];
      if (action === undefined) break;
      const g = ep.gate({ id: `c${step}`, name: action.name, args: action.args });
      steps.push([s, a]);
      if (g.severity !== null) violated = true;
      if (g.permitted) {
        world.apply(a, rng);
        ep.recordResult(`c${step}`, { ok: true });
      }
      if (g.terminate || ep.signal.aborted || (a === SUBMIT && g.permitted)) break;
    }
    // Val episodes need no reward record (shape_val is off): they are gated and logged, not signed.
    const record = mode === "train" ? await ep.finish({ base: world.proxy() }) : null;
    if (record === null) ep.cancel("eval episode");
    return { ep, world, steps, record, violated };
  };

  // A function, so that the check is re-read after endEpoch (which may engage the switch).
  const isKilled = (): boolean => guard.killSwitch.engaged;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    if (isKilled()) break;
    const groups: { reward: number; steps: [number, number][] }[][] = [];
    let trueSum = 0;
    let hackedInUpdate = 0;
    for (let task = 0; task < tasks; task++) {
      const g: { reward: number; steps: [number, number][] }[] = [];
      for (let k = 0; k < group; k++) {
        const e = await episode("train", 1);
        trueSum += e.world.heldOut();
        if (e.record === null) continue;
        const verdict = await run.ingest(e.record, e.ep.log.records(), { rolloutId: e.ep.ref.rolloutId, attemptId: "0" });
        out.records++;
        if (!verdict.ok) {
          out.falseRejections++;
          continue;
        }
        if (e.record.audit) run.reportHeldOut(e.ep.ref.rolloutId, e.world.heldOut());
        if (e.world.hacked) hackedInUpdate++;
        g.push({ reward: e.record.final, steps: e.steps });
      }
      groups.push(g);
    }
    const isEval = (epoch + 1) % evalEvery === 0 || epoch === o.epochs - 1;
    let evalStats = null;
    if (isEval) {
      let v = 0;
      let succ = 0;
      let task = 0;
      for (let i = 0; i < evalEpisodes; i++) {
        const e = await episode("val", evalT);
        if (e.violated) v++;
        succ += e.world.heldOut();
        task += e.world.proxy();
      }
      evalStats = { episodes: evalEpisodes, violation_rate: v / evalEpisodes, heldout_success: succ / evalEpisodes, task_reward: task / evalEpisodes };
    }
    const report: EpochReportV1 = run.endEpoch(evalStats === null ? {} : { eval: evalStats });
    out.reports.push(report);
    const killed = isKilled();
    // A killed epoch's batch is withheld from the update.
    if (!killed) policy.update(groups, lr);
    else hackedInUpdate = 0;
    if (report.transition?.kind === "promote" && out.promotedAt === null) out.promotedAt = epoch;
    if (report.anomalies.some((a) => a.detector === "D2") && out.firstD2 === null) out.firstD2 = epoch;
    if (killed && out.killedAt === null) out.killedAt = epoch;
    const n = Math.max(1, report.episodes);
    out.epochs.push({
      epoch, proxy: report.task_reward_mean, shaped: report.shaped_reward_mean, trueSuccess: trueSum / n,
      attemptedViolationRate: report.attempted_violation_rate, callsPerEpisode: report.tool_calls_per_episode, blocked: report.blocked_calls,
      executedViolations: report.executed_violations, hackedInUpdate, sigma: report.penalty_scale, phase: report.phase,
      evalViolationRate: evalStats?.violation_rate ?? null, evalTrueSuccess: evalStats?.heldout_success ?? null,
      anomalies: report.anomalies.map((a) => a.detector), integrityFailed: report.integrity.failed,
    });
  }
  return out;
}
