/**
 * Reward shaping (RL-GUARD.md §6). The arithmetic is normative: left fold in log order,
 * `max(floor, ·)`, `·σ`, `+b`, `+bonus`, clamp, then `-0` → `0`.
 */
import type { ShapingConfig } from "../config/types.js";
import type { EpisodeMode, Severity } from "../types.js";
import { agtShape } from "./agt.js";

/** What a shaped reward is computed from. */
export interface ShapeInput {
  /** The primary base reward (unshaped task reward). */
  base: number;
  /** Violation severities in log order. */
  severities: readonly Severity[];
  /** Penalty scale σ ∈ [0, 1] at episode start. */
  scale: number;
  mode: EpisodeMode;
}

/** A shaped reward. */
export interface Shaped {
  penalty: number;
  bonus: number;
  final: number;
  /** True under `mode: screen` when the episode had violations (the trainer should drop it). */
  excluded: boolean;
}

/** Clamps to [lo, hi] and normalises -0 to 0. */
export function clampReward(value: number, [lo, hi]: readonly [number, number]): number {
  const v = Math.min(hi, Math.max(lo, value));
  return v === 0 ? 0 : v;
}

/** Computes the shaped reward of one episode. Pure. */
export function shapeReward(config: ShapingConfig, input: ShapeInput): Shaped {
  const b = input.base;
  if (input.mode === "val" && !config.shapeVal) return { penalty: 0, bonus: 0, final: clampReward(b, config.clamp), excluded: false };
  if (config.agtCompat !== null) return agtShape(config.agtCompat, b, input.severities);
  let sum = 0;
  for (const s of input.severities) sum += config.weights[s];
  const raw = config.mode === "observe" ? 0 : input.scale * Math.max(config.floor, sum);
  const penalty = raw === 0 ? 0 : raw;
  const bonus = input.severities.length === 0 && b > 0 ? config.cleanBonus : 0;
  const final = clampReward(b + penalty + bonus, config.clamp);
  return { penalty, bonus, final, excluded: config.mode === "screen" && input.severities.length > 0 };
}
