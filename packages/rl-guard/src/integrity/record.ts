/** The signed reward record `RewardRecordV1` (RL-GUARD.md §7) and its signature. */
import { sign } from "node:crypto";
import type { EpisodeMode, SeverityCounts } from "../types.js";
import type { RewardSigner } from "./keys.js";
import { signedText } from "./signed-text.js";

/** `_type` of reward records: separates their signatures from every other signed object. */
export const REWARD_RECORD_TYPE = "agentgov/rl/reward/v1";
/** `_type` of the episode genesis. */
export const EPISODE_TYPE = "agentgov/rl/episode/v1";

/** Why a record was issued as it was. */
export type RewardReason = "shaped" | "killed" | "guard-error";

/** A signed reward record (wire object, snake_case). */
export interface RewardRecordV1 {
  v: 1;
  _type: typeof REWARD_RECORD_TYPE;
  run_id: string;
  rollout_id: string;
  attempt_id: string;
  mode: EpisodeMode;
  epoch: number;
  phase: string;
  policy_version: string;
  penalty_scale: number;
  base: Record<string, number>;
  primary: string;
  penalty: number;
  bonus: number;
  final: number;
  reason: RewardReason;
  violations: SeverityCounts;
  blocked: number;
  terminated: boolean;
  excluded: boolean;
  audit: boolean;
  chain: { head: string; len: number };
  nonce: string;
  issued_at: string;
  keyid: string;
  sig: string;
}

/** A record before signing. */
export type UnsignedRewardRecord = Omit<RewardRecordV1, "sig" | "keyid">;

/** The bytes a record's signature covers: canonical JSON of the record without `sig`. */
export function signedBytes(record: Omit<RewardRecordV1, "sig">): Buffer {
  return Buffer.from(signedText(record), "utf8");
}

/** Signs a record with Ed25519 (`node:crypto`, cached key). */
export function signRewardRecord(unsigned: UnsignedRewardRecord, signer: RewardSigner): RewardRecordV1 {
  return completeWithSignature({ ...unsigned, keyid: signer.keyid }, signer);
}

/**
 * Signs `record` (which already carries `keyid`, that of `signer`) by adding `sig` to it, as its
 * last key: for a caller that built the object itself and needs no copy of it. `text`, when
 * the caller wrote it (see reward-text.ts), must be `signedText(record)`.
 */
export function completeWithSignature(record: Omit<RewardRecordV1, "sig">, signer: RewardSigner, text?: string): RewardRecordV1 {
  const signed = record as Omit<RewardRecordV1, "sig"> & { sig?: string };
  signed.sig = sign(null, scratchBytes(text ?? signedText(record)), signer.privateKey).toString("base64");
  return signed as RewardRecordV1;
}

/** Where the bytes to sign are encoded: `sign` reads them synchronously and nothing keeps them. */
const SCRATCH = Buffer.alloc(8192);

/**
 * The UTF-8 bytes of `text` as a view of {@link SCRATCH} (valid until the next call), or a
 * new buffer for a text that might not fit (at most 3 bytes per UTF-16 code unit).
 */
function scratchBytes(text: string): Buffer {
  return text.length * 3 <= SCRATCH.length ? SCRATCH.subarray(0, SCRATCH.write(text, 0, "utf8")) : Buffer.from(text, "utf8");
}
