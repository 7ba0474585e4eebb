/**
 * `@agentgov/rl-guard`: gates tool access and reward during RL fine-tuning on the agentgov
 * kernel — phase allow-lists and budgets, competence-gated reward shaping, Ed25519-signed
 * reward records over a hash-chained episode log, and a durable kill switch.
 *
 * @example
 * const guard = createRlGuard(await loadRlGuardConfig("agentgov-rl.yaml"), { signer });
 */
export { loadRlGuardConfig, parseRlGuardConfig, MAX_CONFIG_BYTES, type ParseOptions } from "./config/load.js";
export { compileRlConfig, COMPETENCE_METRICS, ADAPTERS, type CompileOptions } from "./config/compile.js";
export { RlConfigError } from "./config/error.js";
export type * from "./config/types.js";
export { PACKS } from "./packs/index.js";
export { computeFacets, type Facets, type FacetOptions } from "./gate/facets.js";
export { severityOf } from "./gate/severity.js";
export { createRlGuard, type RlGuard, type RlGuardOptions, type RunStateV1 } from "./guard.js";
export { episodeGenesis, MAX_TRACKED_TOOLS, type GovernedEpisode } from "./episode/episode.js";
export { loggedArgs, MAX_LOGGED_ARGS_BYTES } from "./episode/redact.js";
export { shapeReward, clampReward, type ShapeInput, type Shaped } from "./shaping/shape.js";
export { agtShape, agtPenalty, AGT_DEFAULTS } from "./shaping/agt.js";
export { nextPenaltyScale, initialPenaltyScale } from "./shaping/ramp.js";
export { createRewardSigner, generateRewardSigner, importTrustedPublicKey, trustedKeys, keyidOf, type RewardSigner, type TrustedKeys } from "./integrity/keys.js";
export { signRewardRecord, REWARD_RECORD_TYPE, EPISODE_TYPE, type RewardRecordV1, type RewardReason, type UnsignedRewardRecord } from "./integrity/record.js";
export { verifyRewardRecord, VERIFY_FAILURES, TOLERANCE, type VerifyContext, type VerifyFailure, type VerifyResult } from "./integrity/verify.js";
export { BoundedNonceSet, DEFAULT_MAX_NONCES, type NonceStore } from "./integrity/nonces.js";
export { episodeFacts, RL_ACTIONS, type EpisodeFacts } from "./integrity/derive.js";
export { createRlKillSwitch, type RlKillSwitch, type RlKillSwitchOptions, type KillState, type KillStateName } from "./run/kill-switch.js";
export { rlError, isRlError, RL_ERROR_CODES, RL_EXIT_KILLED, type RlErrorCode } from "./errors.js";
export { SEVERITIES, type Severity, type SeverityCounts, type ToolCall, type EpisodeRef, type EpisodeMode, type GateDecision } from "./types.js";
export { createRlRun, MAX_PENDING_HELDOUT, MAX_RULE_KEYS, type RlRun, type RlRunOptions, type EpochReportV1, type EvalStats, type Anomaly } from "./run/run.js";
export { PhaseSchedule, type Transition, type MetricSample } from "./schedule/schedule.js";
export { epochReportLine, RlMetrics, MAX_RULE_LABELS, escapeLabel } from "./metrics/metrics.js";
export { MAX_CALLS_PER_EPISODE } from "./episode/episode.js";
export { Detectors, robustZ, median, spikeFiring, type EpochSignal, type Firing } from "./anomaly/detectors.js";
