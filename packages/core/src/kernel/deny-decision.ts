/** The one way a kernel (in-process, remote or server) turns a fault or guard into a decision. */
import type { Decision, ReasonCode } from "../policy/types.js";

/** A deny with a named reason; `from` keeps the rule and policy of the decision it replaces. */
export function denyDecision(code: ReasonCode, reason: string, policyDigest: string, from?: Decision): Decision {
  return { allowed: false, action: "deny", matched_rule: from?.matched_rule ?? null, policy: from?.policy ?? null, code, reason, policy_digest: policyDigest };
}
