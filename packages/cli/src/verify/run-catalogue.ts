/**
 * Runs the attack catalogue through a kernel's `decide` and groups the outcomes by OWASP
 * Agentic risk: which attacks ran, which were stopped (deny or require_approval) and by
 * which policy and rule, which got through. A risk with no attack is `not_exercised` and
 * carries no counts that could be read as a grade.
 */
import type { Decision, DecisionRequest } from "@agentgov/core";
import { ATTACKS, type Attack, type AttackCategory } from "./catalogue.js";
import { OWASP_AGENTIC_IDS, OWASP_AGENTIC_NAMES, type OwaspAgenticId } from "./owasp-agentic.js";

/** Longest decision reason kept in a report. */
export const MAX_REASON_CHARS = 500;

/** What happened to one attack. */
export interface AttackResult {
  id: string;
  risk: OwaspAgenticId;
  category: AttackCategory;
  title: string;
  stage: string;
  /** `stopped`: denied or held for approval; `through`: allowed (also warn, log, steer, transform). */
  outcome: "stopped" | "through";
  action: Decision["action"];
  code: string;
  policy: string | null;
  matched_rule: string | null;
  /** Who decided: `policy/rule`, or the default that did. */
  control: string;
  reason: string;
}

/** One risk: exercised with its results, or not exercised (no attack in the catalogue). */
export type RiskReport =
  | { id: OwaspAgenticId; name: string; status: "exercised"; attacks: number; stopped: number; got_through: number; controls: string[]; results: AttackResult[] }
  | { id: OwaspAgenticId; name: string; status: "not_exercised"; note: string };

/** The whole run. */
export interface CatalogueReport {
  agent: string;
  policy_digest: string;
  attacks: number;
  stopped: number;
  got_through: number;
  risks: RiskReport[];
}

/** Runs `attacks` for `agent` through `decide` (a dry run: rate limits are not consumed). */
export function runCatalogue(kernel: { decide(request: DecisionRequest, options?: { dryRun?: boolean }): Decision; readonly digest: string }, agent: string, attacks: readonly Attack[] = ATTACKS): CatalogueReport {
  const results = attacks.map((attack) => {
    const request = attack.request(agent);
    return resultOf(attack, request.stage ?? "pre_tool", kernel.decide(request, { dryRun: true }));
  });
  const risks = OWASP_AGENTIC_IDS.map((id): RiskReport => {
    const mine = results.filter((r) => r.risk === id);
    const name = OWASP_AGENTIC_NAMES[id];
    if (mine.length === 0) return { id, name, status: "not_exercised", note: "no attack in the catalogue exercises this risk; not graded" };
    const stopped = mine.filter((r) => r.outcome === "stopped");
    return { id, name, status: "exercised", attacks: mine.length, stopped: stopped.length, got_through: mine.length - stopped.length, controls: [...new Set(stopped.map((r) => r.control))], results: mine };
  });
  const stopped = results.filter((r) => r.outcome === "stopped").length;
  return { agent, policy_digest: kernel.digest, attacks: results.length, stopped, got_through: results.length - stopped, risks };
}

function resultOf(attack: Attack, stage: string, decision: Decision): AttackResult {
  const control = decision.matched_rule !== null
    ? `${decision.policy ?? "?"}/${decision.matched_rule}`
    : decision.code === "no_policy" ? "no applicable policy" : decision.code === "default" ? "default_action" : decision.code;
  return {
    id: attack.id,
    risk: attack.risk,
    category: attack.category,
    title: attack.title,
    stage,
    outcome: decision.allowed ? "through" : "stopped",
    action: decision.action,
    code: decision.code,
    policy: decision.policy,
    matched_rule: decision.matched_rule,
    control,
    reason: decision.reason.length > MAX_REASON_CHARS ? `${decision.reason.slice(0, MAX_REASON_CHARS)}…` : decision.reason,
  };
}
