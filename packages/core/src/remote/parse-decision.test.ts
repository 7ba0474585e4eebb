import { describe, expect, it } from "vitest";
import { RemoteFailure } from "./failure.js";
import { parseDecisionAnswer } from "./parse-decision.js";

const valid = { allowed: false, action: "deny", matched_rule: "r", policy: "p", code: "rule", reason: "no", policy_digest: "ab".repeat(32), call_id: "id-1" };

function failure(value: unknown): RemoteFailure | undefined {
  try {
    parseDecisionAnswer(typeof value === "string" ? value : JSON.stringify(value));
  } catch (error) {
    if (error instanceof RemoteFailure) return error;
    throw error;
  }
  return undefined;
}

describe("parseDecisionAnswer", () => {
  it("reads a valid answer, keeps known fields and drops unknown ones", () => {
    const parsed = parseDecisionAnswer(JSON.stringify({ ...valid, severity: "high", shadow: [{ ...valid, call_id: undefined }], extra: { __proto__: 1 } }));
    expect(parsed.callId).toBe("id-1");
    expect(parsed.decision).toEqual({ allowed: false, action: "deny", matched_rule: "r", policy: "p", code: "rule", reason: "no", policy_digest: valid.policy_digest, severity: "high", shadow: [{ allowed: false, action: "deny", matched_rule: "r", policy: "p", code: "rule", reason: "no", policy_digest: valid.policy_digest }] });
  });

  it.each([
    ["not JSON", "{"],
    ["not an object", [valid]],
    ["no call id", { ...valid, call_id: undefined }],
    ["an unknown action", { ...valid, action: "maybe" }],
    ["allowed for a deny", { ...valid, allowed: true }],
    ["denied for an allow", { ...valid, allowed: false, action: "allow" }],
    ["a code that is not lower_snake", { ...valid, code: "Rule!" }],
    ["a numeric reason", { ...valid, reason: 1 }],
    ["a quorum of zero", { ...valid, quorum: 0 }],
    ["approvers that are not strings", { ...valid, approvers: [1] }],
    ["a transform that is not an object", { ...valid, transform: "all" }],
    ["a nested shadow", { ...valid, shadow: [{ ...valid, shadow: [valid] }] }],
    ["rate_limited false", { ...valid, rate_limited: false }],
  ])("refuses %s (remote_invalid_answer)", (_what, value) => {
    expect(failure(value)?.code).toBe("remote_invalid_answer");
  });
});
