import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Decision } from "@agentgov/core";
import { sharedSummary, summarize } from "./episode.js";

const decision = fc.record(
  {
    allowed: fc.boolean(),
    action: fc.constantFrom("allow", "deny", "require_approval", "log"),
    matched_rule: fc.option(fc.constantFrom("", "null", "a", "a1:", "1:a", "~"), { nil: null }),
    policy: fc.option(fc.constantFrom("", "null", "p", "~", "1:"), { nil: null }),
    code: fc.constantFrom("rule", "default", "1:rule", ""),
    reason: fc.string({ maxLength: 8 }),
    policy_digest: fc.constant("d"),
    severity: fc.option(fc.constantFrom("low", "high", ""), { nil: undefined }),
    rate_limited: fc.option(fc.boolean(), { nil: undefined }),
  },
  { requiredKeys: ["allowed", "action", "matched_rule", "policy", "code", "reason", "policy_digest"] },
) as fc.Arbitrary<Decision>;

describe("sharedSummary", () => {
  // First in the file: the summaries are module state, and this count assumes no clear (at 1,024) in between.
  it("keeps at most a bounded number of summaries per reason, and summarises the rest afresh, still correctly", () => {
    const base: Decision = { allowed: false, action: "deny", matched_rule: null, policy: "p", code: "rule", reason: "bounded-per-reason", policy_digest: "x" };
    const decisions = Array.from({ length: 40 }, (_, i) => ({ ...base, matched_rule: `r${String(i)}` }));
    const first = decisions.map((d) => sharedSummary(d));
    const second = decisions.map((d) => sharedSummary(d));
    decisions.forEach((d, i) => {
      expect(first[i]).toStrictEqual(summarize(d));
      expect(second[i]).toStrictEqual(summarize(d));
    });
    const shared = decisions.filter((_, i) => first[i] === second[i]).length;
    expect(shared).toBe(16);
  });

  it("equals summarize for every decision, however many similar ones came before (no two different decisions share one)", () => {
    fc.assert(
      fc.property(fc.array(decision, { minLength: 1, maxLength: 40 }), (decisions) => {
        for (const d of decisions) expect(sharedSummary(d)).toStrictEqual(summarize(d));
      }),
      { numRuns: 300 },
    );
  });

  it("shares one frozen object between equal decisions, and not across a null and a 'null'", () => {
    const d: Decision = { allowed: false, action: "deny", matched_rule: "r", policy: "p", code: "rule", reason: "no", policy_digest: "x" };
    const a = sharedSummary(d);
    expect(sharedSummary({ ...d, policy_digest: "y" })).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(sharedSummary({ ...d, matched_rule: null }).matched_rule).toBeNull();
    expect(sharedSummary({ ...d, matched_rule: "null" }).matched_rule).toBe("null");
  });

  it("summarises decisions with errors or shadow afresh", () => {
    const d: Decision = { allowed: true, action: "allow", matched_rule: "r", policy: "p", code: "rule", reason: "ok", policy_digest: "x", errors: [] };
    expect(sharedSummary(d)).not.toBe(sharedSummary(d));
    expect(sharedSummary(d)).toStrictEqual(summarize(d));
  });
});
