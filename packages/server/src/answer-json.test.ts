import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Decision } from "@agentgov/core";
import { answerJson } from "./decide-route.js";

describe("answerJson", () => {
  it("is the text JSON.stringify gives for the decision with call_id added last", () => {
    const decision = fc.record(
      {
        allowed: fc.boolean(),
        action: fc.constantFrom("allow", "deny", "require_approval", "steer"),
        matched_rule: fc.option(fc.string(), { nil: null }),
        policy: fc.option(fc.string(), { nil: null }),
        code: fc.string(),
        reason: fc.string({ unit: "grapheme-composite" }),
        policy_digest: fc.string(),
        severity: fc.constantFrom("low", "medium", "high", "critical"),
        rate_limited: fc.boolean(),
        errors: fc.array(fc.string()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(decision, fc.string({ unit: "binary" }), (d, callId) => {
        const expected = JSON.stringify({ ...d, call_id: callId });
        const text = answerJson({ decision: d as unknown as Decision, callId });
        expect(text).toBe(expected);
        expect(JSON.parse(text)).toEqual(JSON.parse(expected));
      }),
      { numRuns: 500 },
    );
  });
});
