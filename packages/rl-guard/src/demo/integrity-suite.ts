/** The integrity suite the demo prints (A8): each tampering case and the reason it must be rejected with. */
import { generateRewardSigner, trustedKeys, type RewardSigner } from "../integrity/keys.js";
import { BoundedNonceSet } from "../integrity/nonces.js";
import { signRewardRecord, type RewardRecordV1 } from "../integrity/record.js";
import { verifyRewardRecord, type VerifyContext } from "../integrity/verify.js";
import { createRlGuard } from "../guard.js";
import { createRlKillSwitch } from "../run/kill-switch.js";
import { armConfig } from "./arms.js";
import { mulberry32 } from "./rng.js";

/** One case's outcome. */
export interface SuiteCase {
  name: string;
  expected: string;
  actual: string;
  pass: boolean;
}

/** Runs the suite with `signer` against the recommended arm's configuration. Deterministic. */
export async function integritySuite(signer: RewardSigner, seed: number): Promise<SuiteCase[]> {
  const config = armConfig("recommended");
  const rng = mulberry32(seed ^ 0x5eed);
  const guard = createRlGuard(config, { signer, clock: () => Date.UTC(2026, 10, 21), random: (n) => rng.bytes(n), killSwitch: createRlKillSwitch({ stateFile: null }) });
  guard.setState({ penaltyScale: 0.6, epoch: 41 });
  const make = async (rolloutId: string, executeDenied = false) => {
    const ep = guard.beginEpisode({ runId: config.run.id, rolloutId, attemptId: "0", mode: "train" });
    ep.gate({ id: "c1", name: "read_file", args: { path: "src/app.py" } });
    ep.recordResult("c1", { ok: true });
    ep.gate({ id: "c2", name: "edit_file", args: { path: "tests/test_app.py" } });
    if (executeDenied) {
      try {
        ep.recordResult("c2", { ok: true });
      } catch {
        // expected: RL_EXECUTED_AFTER_DENY, and the log shows it
      }
    }
    const rec = await ep.finish({ base: 1 });
    return { rec, log: ep.log.records() as readonly unknown[] };
  };
  const keys = trustedKeys([signer.publicKey]);
  const ctx = (rolloutId: string, nonces = new BoundedNonceSet()): VerifyContext => ({ keys, config, expect: { runId: config.run.id, rolloutId, attemptId: "0" }, nonces });
  const resign = (rec: RewardRecordV1, change: Partial<RewardRecordV1>, by = signer): RewardRecordV1 => {
    const { sig: _s, keyid: _k, ...rest } = { ...rec, ...change };
    return signRewardRecord(rest, by);
  };
  const other = generateRewardSigner();
  const { rec, log } = await make("s1");
  const denied = await make("s2", true);
  const reused = new BoundedNonceSet();
  reused.add(rec.nonce);
  const stale = armConfig("block-only");
  const cases: [string, string, Promise<{ ok: boolean; reason?: string }>][] = [
    ["honest", "ok", verifyRewardRecord(rec, log, ctx("s1"))],
    ["forged final", "bad-signature", verifyRewardRecord({ ...rec, final: 1 }, log, ctx("s1"))],
    ["replay into another rollout", "replay", verifyRewardRecord(rec, log, ctx("s9"))],
    ["dropped record", "chain", verifyRewardRecord(rec, [...log.slice(0, 1), ...log.slice(2)], ctx("s1"))],
    ["reordered records", "chain", verifyRewardRecord(rec, [log[0], log[2], log[1], ...log.slice(3)], ctx("s1"))],
    ["re-signed with another key", "bad-signature", verifyRewardRecord({ ...resign(rec, {}, other), keyid: rec.keyid }, log, ctx("s1"))],
    ["unknown keyid", "unknown-key", verifyRewardRecord(resign(rec, {}, other), log, ctx("s1"))],
    ["reused nonce", "nonce-reused", verifyRewardRecord(rec, log, ctx("s1", reused))],
    ["stale policy version", "stale-policy", verifyRewardRecord(rec, log, { ...ctx("s1"), config: stale })],
    ["post_tool after deny", "executed-after-deny", verifyRewardRecord(denied.rec, denied.log, ctx("s2"))],
    ["wrong penalty, right key", "rederive-mismatch", verifyRewardRecord(resign(rec, { penalty: 0, final: 1 }), log, ctx("s1"))],
  ];
  const out: SuiteCase[] = [];
  for (const [name, expected, p] of cases) {
    const r = await p;
    const actual = r.ok ? "ok" : (r.reason ?? "?");
    out.push({ name, expected, actual, pass: actual === expected });
  }
  return out;
}
