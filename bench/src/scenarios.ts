/**
 * The rule sets and requests of the decision benchmarks, as plain data shared by both
 * engines: the same policy document is handed to agentgov's `createPolicyEngine` and
 * (as JSON text) to the anchor's `PolicyEngine.loadJson`, and the same context object is
 * handed to `decide` and to `evaluatePolicy`.
 */

/** Rule counts measured. */
export const RULE_COUNTS = [10, 100, 1_000, 10_000] as const;

/**
 * - `indexed`: rule i is `tool.name == 'tool_i'`, an equality on one path that an engine
 *   may index (agentgov does; the anchor scans every rule).
 * - `scan`: rule i is `args.amount >= 10*i and args.amount < 10*i+10`, a numeric range
 *   that no equality index can serve, so both engines evaluate rule after rule.
 */
export const VARIANTS = ["indexed", "scan"] as const;
export type Variant = (typeof VARIANTS)[number];

/** Where the request lands in the rule list. */
export const CASES = ["early", "late", "none"] as const;
export type Case = (typeof CASES)[number];

export const CASE_LABEL: Record<Case, string> = {
  early: "hit early",
  late: "hit late",
  none: "no match",
};

export const AGENT_ID = "bench-agent";

/** A rule as both engines read it. `ruleAction` is the outcome key the anchor honours. */
export interface BenchRule {
  name: string;
  condition: string;
  ruleAction: "allow";
}

/** A policy document valid for both `agentgov/v1` (POLICY.md §1) and `governance.toolkit/v1`. */
export interface BenchPolicyDocument {
  apiVersion: "governance.toolkit/v1";
  name: string;
  agents: string[];
  default_action: "deny";
  rules: BenchRule[];
}

export function ruleName(i: number): string {
  return `rule_${String(i)}`;
}

function condition(variant: Variant, i: number): string {
  return variant === "indexed"
    ? `tool.name == 'tool_${String(i)}'`
    : `args.amount >= ${String(i * 10)} and args.amount < ${String(i * 10 + 10)}`;
}

/** N rules, all `allow`, equal priority, under a `deny` default. */
export function policyDocument(variant: Variant, rules: number): BenchPolicyDocument {
  const list: BenchRule[] = [];
  for (let i = 0; i < rules; i++) {
    list.push({ name: ruleName(i), condition: condition(variant, i), ruleAction: "allow" });
  }
  return {
    apiVersion: "governance.toolkit/v1",
    name: `bench-${variant}-${String(rules)}`,
    agents: ["*"],
    default_action: "deny",
    rules: list,
  };
}

/** The decision context (POLICY.md §2): the same object goes to both engines. */
export type BenchContext = Record<string, unknown> & {
  tool: { name: string };
  action: { type: string };
  args: { amount: number; kind: string };
};

function contextFor(i: number | null): BenchContext {
  if (i === null) {
    return {
      tool: { name: "tool_none" },
      action: { type: "tool_none" },
      args: { amount: -5, kind: "k_none" },
    };
  }
  const name = `tool_${String(i)}`;
  return {
    tool: { name },
    action: { type: name },
    args: { amount: i * 10 + 5, kind: `k_${String(i)}` },
  };
}

/** The index of the rule a case must match, or null for `none`. */
export function expectedIndex(kase: Case, rules: number): number | null {
  switch (kase) {
    case "early":
      return 0;
    case "late":
      return rules - 1;
    case "none":
      return null;
  }
}

/** The context of a case; it matches exactly the rule `expectedIndex` names (or none). */
export function caseContext(kase: Case, rules: number): BenchContext {
  return contextFor(expectedIndex(kase, rules));
}

/** What a decision must say: the matched rule's name (null = the deny default decided). */
export interface Expectation {
  matchedRule: string | null;
  allowed: boolean;
}

export function expectation(kase: Case, rules: number): Expectation {
  const i = expectedIndex(kase, rules);
  return i === null ? { matchedRule: null, allowed: false } : { matchedRule: ruleName(i), allowed: true };
}
