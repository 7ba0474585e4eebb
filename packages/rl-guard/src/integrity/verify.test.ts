import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { testConfig, testGuard, testSigner } from "../testing/fixtures/config.js";
import type { EpisodeRef } from "../types.js";
import { rlExtOf } from "./ext.js";
import { generateRewardSigner, importTrustedPublicKey, trustedKeys } from "./keys.js";
import { BoundedNonceSet } from "./nonces.js";
import { signRewardRecord, type RewardRecordV1 } from "./record.js";
import { verifyRewardRecord, type VerifyContext } from "./verify.js";

const config = testConfig();
const keys = trustedKeys([testSigner().publicKey]);
const ref = (rolloutId: string): EpisodeRef => ({ runId: "run-test", rolloutId, attemptId: "0", mode: "train" });
const ctx = (rolloutId = "r1", extra: Partial<VerifyContext> = {}): VerifyContext => ({ keys, config, expect: { runId: "run-test", rolloutId, attemptId: "0" }, ...extra });

async function honest(rolloutId = "r1"): Promise<{ rec: RewardRecordV1; log: Record<string, unknown>[] }> {
  const guard = testGuard();
  guard.setState({ penaltyScale: 0.6, epoch: 4 });
  const ep = guard.beginEpisode(ref(rolloutId));
  ep.gate({ id: "c1", name: "read_file", args: { path: "src/a.py" } });
  ep.recordResult("c1", { ok: true });
  ep.gate({ id: "c2", name: "edit_file", args: { path: "tests/t.py" } });
  ep.gate({ id: "c3", name: "edit_file", args: { path: "src/a.py" } });
  ep.recordResult("c3", { ok: true });
  const rec = await ep.finish({ base: 1 });
  return { rec, log: ep.log.records().map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>) };
}

/** Re-signs a modified record with the right key (what a compromised harness could do). */
function resign(rec: RewardRecordV1, change: Partial<RewardRecordV1>): RewardRecordV1 {
  const { sig: _sig, keyid: _keyid, ...rest } = { ...rec, ...change };
  return signRewardRecord(rest, testSigner());
}

describe("verifyRewardRecord: the integrity suite (A8)", () => {
  it("accepts an honest record and re-derives its final", async () => {
    const { rec, log } = await honest();
    expect(rec.final).toBeCloseTo(0.7, 12);
    expect(await verifyRewardRecord(rec, log, ctx())).toMatchObject({ ok: true, final: rec.final });
  });

  it("rejects a forged final as bad-signature", async () => {
    const { rec, log } = await honest();
    expect(await verifyRewardRecord({ ...rec, final: 1 }, log, ctx())).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  it("rejects a replay into another rollout", async () => {
    const { rec, log } = await honest("r1");
    expect(await verifyRewardRecord(rec, log, ctx("r2"))).toMatchObject({ ok: false, reason: "replay" });
  });

  it("rejects a dropped or reordered log entry as chain", async () => {
    const { rec, log } = await honest();
    expect(await verifyRewardRecord(rec, [...log.slice(0, 2), ...log.slice(3)], ctx())).toMatchObject({ ok: false, reason: "chain" });
    expect(await verifyRewardRecord(rec, log.slice(0, -1), ctx())).toMatchObject({ ok: false, reason: "chain" });
    const swapped = [...log];
    [swapped[2], swapped[3]] = [swapped[3] as Record<string, unknown>, swapped[2] as Record<string, unknown>];
    expect(await verifyRewardRecord(rec, swapped, ctx())).toMatchObject({ ok: false, reason: "chain" });
  });

  it("rejects a record re-signed with another key as bad-signature, an unknown keyid as unknown-key", async () => {
    const { rec, log } = await honest();
    const other = generateRewardSigner();
    const { sig: _s, keyid: _k, ...rest } = rec;
    const resigned = signRewardRecord(rest, other);
    expect(await verifyRewardRecord({ ...resigned, keyid: rec.keyid }, log, ctx())).toMatchObject({ ok: false, reason: "bad-signature" });
    expect(await verifyRewardRecord(resigned, log, ctx())).toMatchObject({ ok: false, reason: "unknown-key" });
  });

  it("rejects a reused nonce", async () => {
    const { rec, log } = await honest();
    const nonces = new BoundedNonceSet();
    expect((await verifyRewardRecord(rec, log, ctx("r1", { nonces }))).ok).toBe(true);
    expect(await verifyRewardRecord(rec, log, ctx("r1", { nonces }))).toMatchObject({ ok: false, reason: "nonce-reused" });
  });

  it("rejects a stale policy version", async () => {
    const { rec, log } = await honest();
    const changed = testConfig((y) => y.replace("max_consecutive_denied: 3", "max_consecutive_denied: 5"));
    expect(await verifyRewardRecord(rec, log, { ...ctx(), config: changed })).toMatchObject({ ok: false, reason: "stale-policy" });
    expect(await verifyRewardRecord(resign(rec, { phase: "extended" }), log, ctx())).toMatchObject({ ok: false, reason: "stale-policy" });
  });

  it("rejects a post_tool after a deny as executed-after-deny", async () => {
    const guard = testGuard();
    const ep = guard.beginEpisode(ref("r1"));
    ep.gate({ id: "c1", name: "edit_file", args: { path: "tests/t.py" } });
    expect(() => { ep.recordResult("c1", { ok: true }); }).toThrow();
    const rec = await ep.finish({ base: 1 });
    expect(await verifyRewardRecord(rec, ep.log.records(), ctx())).toMatchObject({ ok: false, reason: "executed-after-deny" });
  });

  it("rejects a wrong penalty under the right key as rederive-mismatch", async () => {
    const { rec, log } = await honest();
    expect(await verifyRewardRecord(resign(rec, { penalty: 0, final: 1 }), log, ctx())).toMatchObject({ ok: false, reason: "rederive-mismatch" });
    expect(await verifyRewardRecord(resign(rec, { violations: { critical: 0, high: 0, medium: 0, low: 0 } }), log, ctx())).toMatchObject({ ok: false, reason: "rederive-mismatch" });
  });

  it("rejects a record whose chain head does not match the log", async () => {
    const { rec, log } = await honest();
    expect(await verifyRewardRecord(resign(rec, { chain: { head: "0".repeat(64), len: rec.chain.len } }), log, ctx())).toMatchObject({ ok: false, reason: "chain" });
    // dropping a violation from the log breaks its hash
    const edited = log.map((r) => ({ ...r }));
    const target = edited[3] as Record<string, unknown>;
    target.decision = { ...(target.decision as object), ext: { rl: { severity: null, terminate: false } } };
    expect(await verifyRewardRecord(rec, edited, ctx())).toMatchObject({ ok: false, reason: "chain" });
    expect(rlExtOf(log[3])).toEqual({ severity: "high", terminate: false });
  });

  it("rejects malformed input without throwing", async () => {
    const { rec, log } = await honest();
    for (const bad of [null, 1, "x", [], { ...rec, extra: 1 }, { ...rec, v: 2 }, { ...rec, final: Number.NaN }]) {
      expect(await verifyRewardRecord(bad, log, ctx())).toMatchObject({ ok: false, reason: "malformed" });
    }
    expect(await verifyRewardRecord(rec, [null, 3], ctx())).toMatchObject({ ok: false, reason: "chain" });
  });

  it("rejects any single-field mutation of the record (property)", async () => {
    const { rec, log } = await honest();
    const fields = Object.keys(rec) as (keyof RewardRecordV1)[];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)), async (field, value) => {
        fc.pre(JSON.stringify(rec[field]) !== JSON.stringify(value));
        const result = await verifyRewardRecord({ ...rec, [field]: value }, log, ctx());
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it("never accepts a log with one record mutated (property)", async () => {
    const { rec, log } = await honest();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: log.length - 1 }), fc.constantFrom("seq", "prev", "hash", "call_id", "stage", "tool", "ts", "run_id"), fc.string(), async (i, key, value) => {
        const mutated = log.map((r, j) => (j === i ? { ...r, [key]: value } : r));
        fc.pre(JSON.stringify(mutated) !== JSON.stringify(log));
        expect((await verifyRewardRecord(rec, mutated, ctx())).ok).toBe(false);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe("importTrustedPublicKey", () => {
  it("rejects wrong lengths, non-canonical encodings and small-order points", () => {
    expect(() => importTrustedPublicKey(new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => importTrustedPublicKey(Buffer.from("01" + "00".repeat(31), "hex"))).toThrow(/small-order/);
    expect(() => importTrustedPublicKey(Buffer.from("ec" + "ff".repeat(30) + "7f", "hex"))).toThrow(/small-order/);
    expect(() => importTrustedPublicKey(Buffer.from("ee" + "ff".repeat(30) + "7f", "hex"))).toThrow(/canonical/);
    expect(() => importTrustedPublicKey(Buffer.from("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "hex"))).toThrow(/small-order/);
  });
  it("accepts a real key", () => {
    expect(importTrustedPublicKey(testSigner().publicKey).asymmetricKeyType).toBe("ed25519");
  });
});

describe("verifyRewardRecord input handling", () => {
  it("never reads a string log as a file path", async () => {
    const { rec } = await honest();
    expect(await verifyRewardRecord(rec, "/etc/passwd" as unknown as unknown[], ctx())).toMatchObject({ ok: false, reason: "chain" });
    expect(await verifyRewardRecord(rec, ["{}"], ctx())).toMatchObject({ ok: false, reason: "chain" });
  });
});
