/**
 * The signed text of the reward record an episode issues, written by the episode itself.
 *
 * Half of a record's fields are fixed when the episode starts (ids, mode, epoch, phase,
 * policy version, penalty scale, nonce, audit flag, key id). They are rendered once, into
 * five flat canonical segments, and `finish` joins those with the fields it computes: no
 * key sorting, no re-checking of values the episode already rendered, and a text of about
 * 25 pieces instead of 75 (V8 walks a concatenated string piece by piece when it is
 * encoded for signing). The result is the RFC 8785 text that `signedText` writes for the
 * same record (a property test checks that they agree); the verifier always uses
 * `signedText`.
 */
import { canonicalJson } from "../internal/canonical.js";
import type { SeverityCounts } from "../types.js";
import { REWARD_RECORD_TYPE, type RewardRecordV1 } from "./record.js";

/** The fields of a reward record fixed when its episode starts. */
export type FixedRewardFields = Pick<
  RewardRecordV1,
  "run_id" | "rollout_id" | "attempt_id" | "mode" | "epoch" | "phase" | "policy_version" | "penalty_scale" | "audit" | "nonce" | "keyid"
>;

/** The fields `finish` computes. `chain.head` is a chain hash (lowercase hex) and `issued_at` an ISO-8601 time: both are written as they are. */
export type FinalRewardFields = Pick<
  RewardRecordV1,
  "base" | "blocked" | "bonus" | "chain" | "excluded" | "final" | "issued_at" | "penalty" | "primary" | "reason" | "terminated" | "violations"
>;

/** Writes the signed text from the computed fields, or returns undefined (a non-finite number): the caller then takes `signedText`, which throws. */
export type RewardTextWriter = (f: FinalRewardFields) => string | undefined;

/** A writer for the records of one episode; renders the fixed fields now. */
export function rewardTextWriter(fixed: FixedRewardFields): RewardTextWriter {
  const j = canonicalJson;
  // join writes each segment as one flat string (concatenation would leave a tree of pieces).
  const head = ['{"_type":', j(REWARD_RECORD_TYPE), ',"attempt_id":', j(fixed.attempt_id), ',"audit":', j(fixed.audit), ',"base":'].join("");
  const epoch = ['},"epoch":', j(fixed.epoch), ',"excluded":'].join("");
  const key = ['","keyid":', j(fixed.keyid), ',"mode":', j(fixed.mode), ',"nonce":', j(fixed.nonce), ',"penalty":'].join("");
  const phase = [',"penalty_scale":', j(fixed.penalty_scale), ',"phase":', j(fixed.phase), ',"policy_version":', j(fixed.policy_version), ',"primary":'].join("");
  const ids = [',"rollout_id":', j(fixed.rollout_id), ',"run_id":', j(fixed.run_id), ',"terminated":'].join("");
  return (f) => {
    const { blocked, bonus, chain, final, penalty } = f;
    if (!(Number.isFinite(blocked) && Number.isFinite(bonus) && Number.isFinite(final) && Number.isFinite(penalty) && Number.isFinite(chain.len))) return undefined;
    const violations = violationsText(f.violations);
    if (violations === undefined) return undefined;
    return head + j(f.base) + ',"blocked":' + num(blocked) + ',"bonus":' + num(bonus) + ',"chain":{"head":"' + chain.head + '","len":' + num(chain.len)
      + epoch + String(f.excluded) + ',"final":' + num(final) + ',"issued_at":"' + f.issued_at + key + num(penalty)
      + phase + j(f.primary) + ',"reason":' + j(f.reason) + ids + String(f.terminated) + ',"v":1,"violations":' + violations + "}";
  };
}

/** ECMAScript shortest form of a finite number; -0 is written 0. */
function num(value: number): string {
  return value === 0 ? "0" : String(value);
}

function violationsText(v: SeverityCounts): string | undefined {
  const { critical, high, low, medium } = v;
  if (!(Number.isFinite(critical) && Number.isFinite(high) && Number.isFinite(low) && Number.isFinite(medium))) return undefined;
  return '{"critical":' + num(critical) + ',"high":' + num(high) + ',"low":' + num(low) + ',"medium":' + num(medium) + "}";
}
