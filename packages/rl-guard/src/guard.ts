/**
 * `createRlGuard`: one compiled kernel per phase (base + phase policies, core guards), the
 * run state episodes start from, and the durable kill switch that aborts in-flight episodes.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createKernel, type Kernel, type KillSwitch } from "@agentgov/core";
import { memoryAudit } from "@agentgov/core/audit";
import type { CompiledRlConfig, PhaseConfig } from "./config/types.js";
import { startEpisode, type GovernedEpisode } from "./episode/episode.js";
import { rlError } from "./errors.js";
import type { RewardSigner } from "./integrity/keys.js";
import { createRlKillSwitch, type RlKillSwitch } from "./run/kill-switch.js";
import { initialPenaltyScale } from "./shaping/ramp.js";
import type { EpisodeRef } from "./types.js";

/** Run state as the controller publishes it (wire object). */
export interface RunStateV1 {
  run_id: string;
  epoch: number;
  phase: string;
  policy_version: string;
  penalty_scale: number;
  killed: boolean;
}

/** Options of {@link createRlGuard}. */
export interface RlGuardOptions {
  /** Signs reward records. Required (P6: no signer, no start). */
  signer: RewardSigner | undefined;
  /** The kill switch (default: the durable one of `kill_switch.state_file`). */
  killSwitch?: KillSwitch & Partial<Pick<RlKillSwitch, "onEngage">>;
  /** ms since the epoch (default `Date.now`). */
  clock?: () => number;
  /** Random bytes for nonces (default `crypto.randomBytes`). */
  random?: (n: number) => Buffer;
  /** Secret that keys the held-out audit selection (default: random). */
  auditKey?: Buffer;
  /** Observations of refused calls: `detailed` names the rule, `generic` does not. */
  observation?: "detailed" | "generic";
}

/** The guard: starts governed episodes from the current run state. */
export interface RlGuard {
  readonly config: CompiledRlConfig;
  readonly killSwitch: KillSwitch;
  /** Starts an episode in the current phase. @throws `RL_KILLED` while the kill switch is engaged. */
  beginEpisode(ref: EpisodeRef): GovernedEpisode;
  /** The run state new episodes start from. */
  state(): RunStateV1;
  /** Sets the run state (the controller's job). */
  setState(s: { epoch?: number; phaseIndex?: number; penaltyScale?: number }): void;
  /** The current phase. */
  phase(): PhaseConfig;
  /** Episodes started and not yet ended. */
  readonly inFlight: number;
  /** Stops watching the kill-switch file when the guard created the switch. */
  close(): void;
}

/**
 * Creates the guard.
 * @throws `RL_SIGNER_UNAVAILABLE` without a signer.
 */
export function createRlGuard(config: CompiledRlConfig, options: RlGuardOptions): RlGuard {
  const signer = options.signer;
  if (signer === undefined) throw rlError("RL_SIGNER_UNAVAILABLE", "no signing key: rl-guard refuses to start without one");
  const clock = options.clock ?? Date.now;
  const random = options.random ?? randomBytes;
  const auditKey = options.auditKey ?? random(32);
  const owned = options.killSwitch === undefined ? createRlKillSwitch({ stateFile: config.killSwitch.stateFile, clock }) : undefined;
  const killSwitch: KillSwitch & Partial<Pick<RlKillSwitch, "onEngage">> = owned ?? (options.killSwitch as KillSwitch);
  const kernels: Kernel[] = config.phases.map((phase) => createKernel({ engine: phase.engine, killSwitch, clock }));
  const live = new Map<number, () => void>();
  let nextId = 0;
  let epoch = 0;
  let phaseIndex = 0;
  let penaltyScale = initialPenaltyScale(config.shaping.ramp);

  killSwitch.onEngage?.(() => {
    for (const kill of [...live.values()]) kill();
  });

  const phaseAt = (i: number): PhaseConfig => {
    const p = config.phases[i];
    if (p === undefined) throw rlError("RL_INVALID_STATE", `no phase ${i}`);
    return p;
  };

  return {
    config,
    killSwitch,
    beginEpisode(ref) {
      if (killSwitch.engaged) throw rlError("RL_KILLED", `kill switch engaged: ${killSwitch.reason}`);
      const phase = phaseAt(phaseIndex);
      const kernel = kernels[phaseIndex] as Kernel;
      const nonce = random(16).toString("base64");
      const fraction = config.heldout?.auditFraction ?? 0;
      const audit = fraction > 0 && createHmac("sha256", auditKey).update(nonce).digest().readUInt32BE(0) / 2 ** 32 < fraction;
      const id = nextId++;
      const ep = startEpisode(ref, { epoch, phase, penaltyScale, audit, nonce }, {
        config, kernel, log: memoryAudit({ clock, checkpointEvery: 0 }), signer, clock, observation: options.observation ?? "detailed",
        onEnd: () => live.delete(id),
      });
      if (!ep.signal.aborted) {
        // The kill is gated into the episode (a logged kill_switch decision), which aborts its signal.
        live.set(id, () => {
          try {
            ep.gate({ id: `kill#${id}`, name: "rl.kill", args: {} });
          } catch {
            // Already finished: nothing in flight to stop.
          }
        });
      }
      return ep;
    },
    state: () => ({ run_id: config.run.id, epoch, phase: phaseAt(phaseIndex).name, policy_version: phaseAt(phaseIndex).policyVersion, penalty_scale: penaltyScale, killed: killSwitch.engaged }),
    setState(s) {
      if (s.epoch !== undefined) epoch = s.epoch;
      if (s.phaseIndex !== undefined) {
        phaseAt(s.phaseIndex);
        phaseIndex = s.phaseIndex;
      }
      if (s.penaltyScale !== undefined) penaltyScale = Math.min(1, Math.max(0, s.penaltyScale));
    },
    phase: () => phaseAt(phaseIndex),
    get inFlight() {
      return live.size;
    },
    close() {
      owned?.close();
    },
  };
}
