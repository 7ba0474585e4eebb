/**
 * Agent Governance Toolkit (`agentmesh-lightning` `RewardConfig`) arithmetic, for parity
 * tests only (RL-GUARD.md §6 "AGT compatibility"): it pays an unconditional clean bonus.
 */
import type { AgtCompatConfig } from "../config/types.js";
import type { Severity } from "../types.js";
import type { Shaped } from "./shape.js";

/** AGT defaults: critical −100, high −50, medium −10, low −1, bonus +5, factor 0.5, clamp [−100, 100]. */
export const AGT_DEFAULTS: AgtCompatConfig = Object.freeze({
  weights: Object.freeze({ critical: -100, high: -50, medium: -10, low: -1 }),
  cleanBonus: 5,
  multiplicative: false,
  factor: 0.5,
  clamp: Object.freeze([-100, 100] as const),
});

/** AGT penalty: Σ configured value per severity; an unknown severity counts as medium. */
export function agtPenalty(config: AgtCompatConfig, severities: readonly string[]): number {
  let sum = 0;
  for (const s of severities) sum += Object.hasOwn(config.weights, s) ? config.weights[s as Severity] : config.weights.medium;
  return sum;
}

/** The AGT final reward: `base·factor` if multiplicative with violations, else `base + penalty`; clean bonus; clamp. */
export function agtShape(config: AgtCompatConfig, base: number, severities: readonly string[]): Shaped {
  const penalty = agtPenalty(config, severities);
  const clean = severities.length === 0;
  let value = config.multiplicative && !clean ? base * config.factor : base + penalty;
  const bonus = clean ? config.cleanBonus : 0;
  value += bonus;
  const final = Math.min(config.clamp[1], Math.max(config.clamp[0], value));
  return { penalty: penalty === 0 ? 0 : penalty, bonus, final: final === 0 ? 0 : final, excluded: false };
}
