/**
 * `verifyRewardRecord` (RL-GUARD.md §7): checks a signed reward record against its episode
 * log and trusted keys, re-hashing the chain with core's `verifyAudit` and re-deriving the
 * shaped reward. The first failing check wins. No I/O; it only reads its arguments (and
 * records the nonce in `ctx.nonces` on success).
 */
import { verify as edVerify } from "node:crypto";
import { verifyAudit } from "@agentgov/core/audit";
import type { CompiledRlConfig } from "../config/types.js";
import { episodeGenesis } from "../episode/episode.js";
import { canonicalJson, isObject } from "../internal/canonical.js";
import { shapeReward } from "../shaping/shape.js";
import { SEVERITIES } from "../types.js";
import { episodeFacts, isFactsProblem } from "./derive.js";
import type { TrustedKeys } from "./keys.js";
import type { NonceStore } from "./nonces.js";
import { REWARD_RECORD_TYPE, signedBytes, type RewardRecordV1 } from "./record.js";

/** Stable verification failure reasons, in check order. */
export const VERIFY_FAILURES = ["malformed", "unknown-key", "bad-signature", "replay", "nonce-reused", "stale-policy", "chain", "executed-after-deny", "rederive-mismatch"] as const;
/** Why a record was rejected. */
export type VerifyFailure = (typeof VERIFY_FAILURES)[number];
/** The verdict. */
export type VerifyResult = { ok: true; final: number; record: RewardRecordV1 } | { ok: false; reason: VerifyFailure; detail: string };

/** What the record must be checked against. */
export interface VerifyContext {
  keys: TrustedKeys;
  config: CompiledRlConfig;
  /** The binding the caller expects (from the trainer's own ids, never from the record). */
  expect: { runId: string; rolloutId: string; attemptId: string };
  /** Nonces seen in this run; the record's is added on success. */
  nonces?: NonceStore;
}

/** Verification tolerance for re-derived numbers. */
export const TOLERANCE = 1e-9;

const fail = (reason: VerifyFailure, detail: string): VerifyResult => ({ ok: false, reason, detail });

/** Verifies a reward record and its episode log. Never throws. */
export async function verifyRewardRecord(rec: unknown, log: readonly unknown[], ctx: VerifyContext): Promise<VerifyResult> {
  try {
    return await verifyUnsafe(rec, log, ctx);
  } catch (error) {
    return fail("malformed", `verification failed: ${(error as Error).message}`);
  }
}

async function verifyUnsafe(rec: unknown, log: readonly unknown[], ctx: VerifyContext): Promise<VerifyResult> {
  const shape = checkShape(rec);
  if (shape !== null) return fail("malformed", shape);
  const r = rec as RewardRecordV1;
  const key = ctx.keys.get(r.keyid);
  if (key === undefined) return fail("unknown-key", `keyid ${r.keyid} is not trusted`);
  const { sig, ...unsigned } = r;
  const sigBytes = Buffer.from(sig, "base64");
  if (sigBytes.length !== 64 || sigBytes.toString("base64") !== sig || !edVerify(null, signedBytes(unsigned), key, sigBytes)) return fail("bad-signature", "Ed25519 signature does not verify");
  if (r.run_id !== ctx.expect.runId || r.rollout_id !== ctx.expect.rolloutId || r.attempt_id !== ctx.expect.attemptId) {
    return fail("replay", `record is bound to ${r.run_id}/${r.rollout_id}/${r.attempt_id}, expected ${ctx.expect.runId}/${ctx.expect.rolloutId}/${ctx.expect.attemptId}`);
  }
  if (ctx.nonces?.has(r.nonce) === true) return fail("nonce-reused", `nonce ${r.nonce} was already used in this run`);
  const phase = ctx.config.phases.find((p) => p.policyVersion === r.policy_version);
  if (phase === undefined || phase.name !== r.phase) return fail("stale-policy", `policy_version ${r.policy_version} is not the version of phase '${r.phase}'`);

  // Only parsed records: core's verifyAudit would read a string as a file path, or strings as lines.
  if (!Array.isArray(log) || !log.every(isObject)) return fail("chain", "the log must be an array of record objects");
  const audit = await verifyAudit(log, { allowOpen: true });
  if (!audit.ok) return fail("chain", `record ${audit.error?.seq ?? "?"}: ${audit.error?.reason ?? "invalid"}: ${audit.error?.message ?? ""}`);
  if (audit.lastSeq !== r.chain.len || audit.head !== r.chain.head) return fail("chain", `chain head ${audit.head}/${audit.lastSeq} does not match the record's ${r.chain.head}/${r.chain.len}`);
  const facts = episodeFacts(log);
  if (isFactsProblem(facts)) return fail(facts.reason === "malformed" ? "chain" : facts.reason, facts.detail);
  const s = facts.start;
  const expectedGenesis = episodeGenesis({ runId: r.run_id, rolloutId: r.rollout_id, attemptId: r.attempt_id, mode: r.mode }, r.policy_version, r.nonce);
  const mismatch = [
    s.epoch !== r.epoch && "epoch", s.phase !== r.phase && "phase", s.policy_version !== r.policy_version && "policy_version",
    s.penalty_scale !== r.penalty_scale && "penalty_scale", s.audit !== r.audit && "audit", s.run_id !== r.run_id && "run_id",
    s.attempt_id !== r.attempt_id && "attempt_id", s.mode !== r.mode && "mode", s.nonce !== r.nonce && "nonce", s.genesis !== expectedGenesis && "genesis",
    log.some((x) => isObject(x) && x.run_id !== r.rollout_id) && "rollout_id",
  ].filter((x): x is string => x !== false);
  if (mismatch.length > 0) return fail("chain", `rl.start disagrees with the record on ${mismatch.join(", ")}`);
  if (facts.outcome === null) return fail("chain", "the log has no rl.outcome record");

  const o = facts.outcome;
  const killed = o.killed === true;
  const baseOk = isObject(o.base) && canonicalJson(o.base) === canonicalJson(r.base) && o.primary === r.primary;
  const b = r.base[r.primary];
  if (!baseOk || b === undefined) return fail("rederive-mismatch", "base or primary differ from the log's rl.outcome");
  const expected = killed
    ? { penalty: 0, bonus: 0, final: ctx.config.signing.integrityFloor, excluded: false }
    : shapeReward(ctx.config.shaping, { base: b, severities: facts.severities, scale: r.penalty_scale, mode: r.mode });
  const diffs = [
    SEVERITIES.some((sv) => facts.violations[sv] !== r.violations[sv]) && "violations",
    facts.blocked !== r.blocked && "blocked",
    facts.terminated !== r.terminated && "terminated",
    (killed ? "killed" : "shaped") !== r.reason && "reason",
    Math.abs(expected.penalty - r.penalty) > TOLERANCE && "penalty",
    Math.abs(expected.bonus - r.bonus) > TOLERANCE && "bonus",
    Math.abs(expected.final - r.final) > TOLERANCE && "final",
    expected.excluded !== r.excluded && "excluded",
  ].filter((x): x is string => x !== false);
  if (diffs.length > 0) return fail("rederive-mismatch", `re-derived ${diffs.join(", ")} differ from the record`);
  ctx.nonces?.add(r.nonce);
  return { ok: true, final: r.final, record: r };
}

const HEX64 = /^[0-9a-f]{64}$/;
const FIELDS = ["v", "_type", "run_id", "rollout_id", "attempt_id", "mode", "epoch", "phase", "policy_version", "penalty_scale", "base", "primary", "penalty", "bonus", "final", "reason", "violations", "blocked", "terminated", "excluded", "audit", "chain", "nonce", "issued_at", "keyid", "sig"];

function checkShape(rec: unknown): string | null {
  if (!isObject(rec)) return "record is not an object";
  for (const k of Object.keys(rec)) if (!FIELDS.includes(k)) return `unknown field '${k}'`;
  for (const k of FIELDS) if (!(k in rec)) return `missing field '${k}'`;
  if (rec.v !== 1 || rec._type !== REWARD_RECORD_TYPE) return "not a v1 reward record";
  const strings = ["run_id", "rollout_id", "attempt_id", "phase", "primary", "nonce", "issued_at", "keyid", "sig"];
  for (const k of strings) if (typeof rec[k] !== "string") return `${k} must be a string`;
  if (rec.mode !== "train" && rec.mode !== "val") return "mode must be train or val";
  if (!["shaped", "killed", "guard-error"].includes(rec.reason as string)) return "unknown reason";
  for (const k of ["epoch", "penalty_scale", "penalty", "bonus", "final", "blocked"]) if (typeof rec[k] !== "number" || !Number.isFinite(rec[k])) return `${k} must be a finite number`;
  for (const k of ["terminated", "excluded", "audit"]) if (typeof rec[k] !== "boolean") return `${k} must be a boolean`;
  if (typeof rec.policy_version !== "string" || !HEX64.test(rec.policy_version)) return "policy_version must be 64 lowercase hex";
  if (!isObject(rec.base) || !Object.values(rec.base).every((x) => typeof x === "number" && Number.isFinite(x))) return "base must map names to finite numbers";
  const v = rec.violations;
  if (!isObject(v) || Object.keys(v).length !== 4 || !SEVERITIES.every((s) => Number.isSafeInteger(v[s]))) return "violations must count critical, high, medium, low";
  const c = rec.chain;
  if (!isObject(c) || Object.keys(c).length !== 2 || typeof c.head !== "string" || !HEX64.test(c.head) || !Number.isSafeInteger(c.len)) return "chain must be {head, len}";
  if (!(rec.keyid as string).startsWith("ed25519:")) return "keyid must start with ed25519:";
  return null;
}
