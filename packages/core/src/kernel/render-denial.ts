/**
 * The model-facing text of a denial, byte-identical across adapters:
 * `denied by policy (<policy>/<matched_rule>): <reason>`, or `(<code>)` when no rule
 * decided (a default, a guard, an error). When a rule matched but something other than
 * the rule itself denied (an approval that did not come, an evaluation error, a rate
 * limit, the audit sink), ` (code: <code>)` follows the reason. It explains itself,
 * because some frameworks mark a rejected call as completed like a success.
 */
import type { Decision } from "../policy/types.js";

/** Renders the denial text shown to the model. */
export function renderDenial(decision: Pick<Decision, "policy" | "matched_rule" | "code" | "reason">): string {
  const where = decision.matched_rule === null ? decision.code : `${decision.policy ?? "?"}/${decision.matched_rule}`;
  const code = decision.matched_rule !== null && decision.code !== "rule" ? ` (code: ${decision.code})` : "";
  return `denied by policy (${where}): ${decision.reason}${code}`;
}
