/**
 * The phase schedule (RL-GUARD.md §5): at each epoch end, `promote_when` moves one phase
 * forward and `demote_when` one back, never within `cooldown_epochs` of the last move.
 */
import type { CompiledRlConfig, ScheduleCondition, ScheduleTerm } from "../config/types.js";

/** Metrics of one finished epoch (and, when an eval ran, its eval metrics). */
export type MetricSample = Readonly<Record<string, number>>;

/** A phase transition. */
export interface Transition {
  from: string;
  to: string;
  kind: "promote" | "demote";
  epoch: number;
  /** The metric values that triggered it. */
  metrics: Record<string, number>;
}

const HISTORY = 64;

/** Tracks metric history and decides transitions. */
export class PhaseSchedule {
  #phase = 0;
  #lastTransition = -Infinity;
  readonly #epochs: MetricSample[] = [];
  readonly #evals: MetricSample[] = [];
  constructor(private readonly config: CompiledRlConfig, startPhase = 0) {
    this.#phase = startPhase;
  }

  /** The current phase index. */
  get phaseIndex(): number {
    return this.#phase;
  }

  /** Records epoch `epoch` (and its eval, if one ran) and returns the transition it triggers, if any. */
  endEpoch(epoch: number, metrics: MetricSample, evalMetrics: MetricSample | null): Transition | null {
    push(this.#epochs, metrics);
    if (evalMetrics !== null) push(this.#evals, evalMetrics);
    if (epoch - this.#lastTransition <= this.config.cooldownEpochs) return null;
    const phase = this.config.phases[this.#phase];
    if (phase === undefined) return null;
    const next = this.config.phases[this.#phase + 1];
    const prev = this.config.phases[this.#phase - 1];
    let kind: Transition["kind"] | null = null;
    let target = this.#phase;
    if (next !== undefined && phase.promoteWhen !== null && this.#holds(phase.promoteWhen)) {
      kind = "promote";
      target = this.#phase + 1;
    } else if (prev !== undefined && phase.demoteWhen !== null && this.#holds(phase.demoteWhen)) {
      kind = "demote";
      target = this.#phase - 1;
    }
    if (kind === null) return null;
    const to = this.config.phases[target];
    if (to === undefined) return null;
    const t: Transition = { from: phase.name, to: to.name, kind, epoch, metrics: { ...(this.#evals.at(-1) ?? {}), ...metrics } };
    this.#phase = target;
    this.#lastTransition = epoch;
    return t;
  }

  #holds(condition: ScheduleCondition): boolean {
    const check = (t: ScheduleTerm): boolean => {
      const history = t.over === "evals" ? this.#evals : this.#epochs;
      if (history.length < t.for) return false;
      return history.slice(-t.for).every((m) => {
        const v = m[t.metric];
        return v !== undefined && compare(v, t.op, t.value);
      });
    };
    return condition.combine === "all" ? condition.terms.every(check) : condition.terms.some(check);
  }
}

function compare(a: number, op: ScheduleTerm["op"], b: number): boolean {
  switch (op) {
    case "<=":
      return a <= b;
    case ">=":
      return a >= b;
    case "<":
      return a < b;
    case ">":
      return a > b;
  }
}

function push(list: MetricSample[], m: MetricSample): void {
  list.push(m);
  if (list.length > HISTORY) list.shift();
}
