/**
 * The anchor: `@microsoft/agent-governance-sdk@4.0.0`'s `PolicyEngine.evaluatePolicy`.
 *
 * The document goes in through `loadJson` (the same `dataToPolicy` path as `loadYaml`),
 * so the anchor sees exactly the rule set agentgov sees. Its rich-policy path reads a
 * rule's outcome from `ruleAction` (a YAML `action:` key is ignored there), which is why
 * the shared documents use that spelling.
 */
import { PolicyEngine } from "@microsoft/agent-governance-sdk";
import type { BenchContext, BenchPolicyDocument, Expectation } from "./scenarios.js";
import { AGENT_ID } from "./scenarios.js";

/** The fields of the anchor's `PolicyDecisionResult` the benchmark reads. */
export interface AnchorResult {
  allowed: boolean;
  action: string;
  matchedRule?: string;
}

export interface AnchorEngine {
  decide(context: BenchContext): AnchorResult;
}

export function createAnchor(doc: BenchPolicyDocument): AnchorEngine {
  const engine = new PolicyEngine();
  engine.loadJson(JSON.stringify(doc));
  return {
    decide: (context) => engine.evaluatePolicy(AGENT_ID, context),
  };
}

/** Null when the anchor's result is what the case expects, else a description of the mismatch. */
export function checkAnchor(result: AnchorResult, want: Expectation): string | null {
  const matched = result.matchedRule ?? null;
  if (matched === want.matchedRule && result.allowed === want.allowed) return null;
  return `anchor returned ${JSON.stringify({ allowed: result.allowed, action: result.action, matchedRule: matched })}, expected ${JSON.stringify(want)}`;
}
