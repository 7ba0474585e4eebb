/** The penalty-scale ramp σ (RL-GUARD.md §6): starts at 0, never decreases. */
import type { RampConfig } from "../config/types.js";

/**
 * σ after epoch `epoch` ends. `history` holds the ramp metric per finished epoch (the
 * current one last). Competence: +step when the trailing window mean ≥ threshold; warmup:
 * linear from `start_epoch` over `ramp_epochs`; none: 1.
 */
export function nextPenaltyScale(ramp: RampConfig, current: number, epoch: number, history: readonly number[]): number {
  switch (ramp.kind) {
    case "none":
      return 1;
    case "warmup":
      return Math.max(current, Math.min(1, Math.max(0, (epoch + 1 - ramp.startEpoch) / ramp.rampEpochs)));
    case "competence": {
      if (history.length < ramp.windowEpochs) return current;
      const window = history.slice(-ramp.windowEpochs);
      const mean = window.reduce((a, b) => a + b, 0) / window.length;
      return mean >= ramp.threshold ? Math.min(1, round(current + ramp.step)) : current;
    }
  }
}

/** The starting σ of a ramp. */
export function initialPenaltyScale(ramp: RampConfig): number {
  return ramp.kind === "none" ? 1 : 0;
}

/** Rounds to 12 decimals so repeated steps of 0.1 land on 0.3, not 0.30000000000000004. */
function round(x: number): number {
  return Math.round(x * 1e12) / 1e12;
}
