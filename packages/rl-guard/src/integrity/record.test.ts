import { sign, verify } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { testSigner } from "../testing/fixtures/config.js";
import { completeWithSignature, signedBytes, signRewardRecord, type UnsignedRewardRecord } from "./record.js";
import { signedText } from "./signed-text.js";

const signer = testSigner();

function unsigned(rolloutId: string, base: Record<string, number>): UnsignedRewardRecord {
  return {
    v: 1, _type: "agentgov/rl/reward/v1", run_id: "run-test", rollout_id: rolloutId, attempt_id: "0", mode: "train", epoch: 2, phase: "basic",
    policy_version: "ab".repeat(32), penalty_scale: 0.5, base, primary: "task", penalty: -0.25, bonus: 0, final: 0.75, reason: "shaped",
    violations: { critical: 0, high: 1, medium: 0, low: 0 }, blocked: 1, terminated: false, excluded: false, audit: false,
    chain: { head: "cd".repeat(32), len: 7 }, nonce: "AAAAAAAAAAAAAAAAAAAAAA==", issued_at: "2026-11-21T00:00:00.000Z",
  };
}

describe("signing a record (bytes encoded in a reused buffer, or a new one for long texts)", () => {
  it("signs exactly the UTF-8 bytes of the signed text, for short and long, ASCII and non-ASCII records, one after another", () => {
    const id = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "grapheme", minLength: 900, maxLength: 1500 }), fc.string({ minLength: 2700, maxLength: 3000 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(id, fc.dictionary(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), { maxKeys: 3 })), { minLength: 1, maxLength: 4 }), (cases) => {
        for (const [rolloutId, extra] of cases) {
          const rec = signRewardRecord(unsigned(rolloutId, { task: 1, ...extra }), signer);
          const { sig, ...body } = rec;
          const bytes = Buffer.from(signedText(body), "utf8");
          expect(signedBytes(body).equals(bytes)).toBe(true);
          // Ed25519 is deterministic: the same bytes give the same signature.
          expect(sig).toBe(sign(null, bytes, signer.privateKey).toString("base64"));
          expect(verify(null, bytes, signer.publicKey, Buffer.from(sig, "base64"))).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("adds sig as the last key of the object it is given", () => {
    const rec = completeWithSignature({ ...unsigned("r1", { task: 1 }), keyid: signer.keyid }, signer);
    expect(Object.keys(rec).at(-1)).toBe("sig");
  });
});
