/**
 * agentgov's side: `createPolicyEngine` from `@agentgov/core/policy`, fed the same
 * documents and contexts as the anchor.
 */
import { createPolicyEngine } from "@agentgov/core/policy";
import type { Decision, DecisionRequest } from "@agentgov/core/policy";
import type { BenchContext, BenchPolicyDocument, Expectation } from "./scenarios.js";
import { AGENT_ID } from "./scenarios.js";

export interface OurEngine {
  decide(request: DecisionRequest): Decision;
  digest: string;
}

export function createOurs(doc: BenchPolicyDocument): OurEngine {
  return createPolicyEngine({ policies: [doc] });
}

export function ourRequest(context: BenchContext): DecisionRequest {
  return { agent: AGENT_ID, context };
}

/** Null when the decision is what the case expects, else a description of the mismatch. */
export function checkOurs(decision: Decision, want: Expectation): string | null {
  const wantCode = want.matchedRule === null ? "default" : "rule";
  if (decision.matched_rule === want.matchedRule && decision.allowed === want.allowed && decision.code === wantCode) {
    return null;
  }
  return `agentgov returned ${JSON.stringify({
    allowed: decision.allowed,
    action: decision.action,
    matched_rule: decision.matched_rule,
    code: decision.code,
    reason: decision.reason,
  })}, expected ${JSON.stringify({ ...want, code: wantCode })}`;
}
