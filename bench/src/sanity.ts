/**
 * The functional check run once before anything is timed: every rule set of the benchmark,
 * through both engines, must decide every case as the scenario says (hit early matches
 * rule 0, hit late matches the last rule, no match falls to the deny default).
 */
import { checkAnchor, createAnchor } from "./anchor.js";
import { checkOurs, createOurs, ourRequest } from "./ours.js";
import type { Variant } from "./scenarios.js";
import { CASES, caseContext, expectation, policyDocument } from "./scenarios.js";

/** Problems found (empty when every decision is as expected). */
export function checkDecisions(variants: readonly Variant[], counts: readonly number[]): string[] {
  const problems: string[] = [];
  for (const variant of variants) {
    for (const rules of counts) {
      const doc = policyDocument(variant, rules);
      let ours: ReturnType<typeof createOurs> | undefined;
      try {
        ours = createOurs(doc);
      } catch (error) {
        problems.push(`${variant} ${String(rules)} rules: agentgov did not load the rule set: ${String(error)}`);
      }
      const anchor = createAnchor(doc);
      for (const kase of CASES) {
        const ctx = caseContext(kase, rules);
        const want = expectation(kase, rules);
        const where = `${variant} ${String(rules)} rules, ${kase}`;
        if (ours !== undefined) {
          const bad = checkOurs(ours.decide(ourRequest(ctx)), want);
          if (bad !== null) problems.push(`${where}: ${bad}`);
        }
        const bad = checkAnchor(anchor.decide(ctx), want);
        if (bad !== null) problems.push(`${where}: ${bad}`);
      }
    }
  }
  return problems;
}
