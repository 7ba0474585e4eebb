/**
 * Detectors D1, D3 and D4 (RL-GUARD.md §8), as pure functions over per-epoch history. D2
 * (held-out gap) and D5 (integrity) live in the run controller, which owns their inputs.
 */
import type { DetectorsConfig, SpikeConfig } from "../config/types.js";

/** What the detectors see of one finished epoch. */
export interface EpochSignal {
  taskRewardMean: number;
  toolCallsPerEpisode: number;
  /** Share of episodes at the maximum task reward seen so far in the run. */
  ceilingShare: number;
  attemptedViolationRate: number;
  /** Rules (or codes) that denied calls this epoch. */
  rules: readonly string[];
}

/** A detector firing. */
export interface Firing {
  detector: "D1" | "D3" | "D4";
  detail: string;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** Robust z of `x` against `history`: (x − median) / (1.4826 · MAD), the scale floored at 0.01. */
export function robustZ(x: number, history: readonly number[]): number {
  const med = median(history);
  const mad = median(history.map((h) => Math.abs(h - med)));
  return (x - med) / Math.max(1.4826 * mad, 0.01);
}

/** D1: reward spike with an effort drop (or an extreme spike alone) against the trailing window. */
export function spikeFiring(c: SpikeConfig, history: readonly EpochSignal[], now: EpochSignal): Firing | null {
  const window = history.slice(-c.window);
  if (window.length < c.minEpochs) return null;
  const z = robustZ(now.taskRewardMean, window.map((e) => e.taskRewardMean));
  const effort = median(window.map((e) => e.toolCallsPerEpisode));
  if (z > c.zAlone) return { detector: "D1", detail: `task reward robust z ${z.toFixed(2)} > ${c.zAlone}` };
  if (z > c.z && now.toolCallsPerEpisode < c.effortDrop * effort) {
    return { detector: "D1", detail: `task reward robust z ${z.toFixed(2)} > ${c.z} with tool calls ${now.toolCallsPerEpisode.toFixed(2)} < ${c.effortDrop} × ${effort.toFixed(2)}` };
  }
  return null;
}

/** Stateful D1, D3 and D4 over a run. History is bounded by the largest window. */
export class Detectors {
  readonly #history: EpochSignal[] = [];
  readonly #seenRules = new Set<string>();
  #rising = 0;
  constructor(private readonly config: DetectorsConfig) {}

  /** Feeds epoch `epoch` and returns the detectors that fire. */
  observe(epoch: number, now: EpochSignal): Firing[] {
    const out: Firing[] = [];
    const { spike, ceiling, surge } = this.config;
    if (spike !== null) {
      const f = spikeFiring(spike, this.#history, now);
      if (f !== null) out.push(f);
    }
    if (ceiling !== null && this.#history.length > 0) {
      const base = median(this.#history.slice(-8).map((e) => e.ceilingShare));
      if (now.ceilingShare - base > ceiling.jump) out.push({ detector: "D3", detail: `share at maximum reward ${now.ceilingShare.toFixed(3)} exceeds its trailing median ${base.toFixed(3)} by more than ${ceiling.jump}` });
    }
    if (surge !== null) {
      const fresh = now.rules.filter((r) => !this.#seenRules.has(r));
      const prev = this.#history.at(-1);
      this.#rising = prev !== undefined && now.attemptedViolationRate - prev.attemptedViolationRate >= surge.rise ? this.#rising + 1 : 0;
      if (epoch >= surge.warmupEpochs && fresh.length > 0) out.push({ detector: "D4", detail: `new rule${fresh.length === 1 ? "" : "s"} after warm-up: ${fresh.slice(0, 8).join(", ")}` });
      else if (epoch >= surge.warmupEpochs && this.#rising >= surge.consecutive) out.push({ detector: "D4", detail: `attempted-violation rate rose by ≥ ${surge.rise} for ${this.#rising} epochs` });
      for (const r of fresh) if (this.#seenRules.size < 4096) this.#seenRules.add(r);
    }
    this.#history.push(now);
    if (this.#history.length > 64) this.#history.shift();
    return out;
  }
}
