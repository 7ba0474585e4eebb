/**
 * Compilation of a loaded policy set into evaluation plans: for each stage, the enabled
 * rules in the strategy's order, split into an index keyed by the literal values a rule's
 * leading condition requires of `tool.name` or `action.type`, and the rest. Because `and`
 * short-circuits left to right, a rule whose *leading* conjunct is `tool.name == 'x'` (or
 * `in [...]`) cannot match, nor error, unless `tool.name` is one of its values; skipping it
 * otherwise changes no decision.
 */
import type { Node } from "./condition/ast.js";
import type { Predicate } from "./condition/compile.js";
import type { Scope } from "./condition/values.js";
import type { NormalizedPolicy, NormalizedRule } from "./document.js";
import type { LoadedPolicy } from "./load.js";
import { type ConflictStrategy, STAGES, type Stage } from "./types.js";

/** The paths whose literal constraints are indexed. */
export const INDEXED_PATHS = ["tool.name", "action.type"] as const;
/** An indexed path. */
export type IndexedPath = (typeof INDEXED_PATHS)[number];

/** A rule ready to evaluate. */
export interface PlannedRule {
  /** Position in the strategy's order (lower is considered first). */
  order: number;
  /** Index of its policy in the plan's policy list. */
  policyIndex: number;
  policy: NormalizedPolicy;
  rule: NormalizedRule;
  /** Null when the rule has no condition (always matches). */
  predicate: Predicate | null;
  /** Human reason for a match. */
  reason: string;
}

/** The rules of one stage. */
export interface StagePlan {
  /** Every rule of the stage, in order (used by explain and when the index cannot be used). */
  all: PlannedRule[];
  /** Rules the index does not cover, in order. */
  unindexed: PlannedRule[];
  byPath: Record<IndexedPath, Map<unknown, PlannedRule[]>>;
}

/** A plan over a list of policies under one strategy. */
export interface Plan {
  policies: NormalizedPolicy[];
  stages: Record<Stage, StagePlan>;
}

/** Builds the plan of `policies` under `strategy`. */
export function buildPlan(policies: readonly LoadedPolicy[], strategy: ConflictStrategy): Plan {
  const entries: (Omit<PlannedRule, "order"> & { key: [number, number, number, number]; index: { path: IndexedPath; values: unknown[] } | null })[] = [];
  policies.forEach((loaded, policyIndex) => {
    const { policy } = loaded;
    policy.rules.forEach((rule, ruleIndex) => {
      if (!rule.enabled) return;
      const compiled = loaded.conditions[ruleIndex] ?? null;
      const scopeRank = strategy === "most_specific_wins" && policy.scope === "agent" ? 0 : 1;
      entries.push({
        policyIndex,
        policy,
        rule,
        predicate: withSurfaces(rule, compiled?.predicate ?? null),
        reason: rule.message ?? `${rule.action} by rule '${rule.name}' of policy '${policy.name}'`,
        key: [scopeRank, -rule.priority, policyIndex, ruleIndex],
        index: compiled === null ? null : leadingConstraint(compiled.ast),
      });
    });
  });
  entries.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || a.key[3] - b.key[3]);
  const stages = Object.fromEntries(STAGES.map((s) => [s, emptyStage()])) as Record<Stage, StagePlan>;
  entries.forEach((entry, order) => {
    const planned: PlannedRule = { order, policyIndex: entry.policyIndex, policy: entry.policy, rule: entry.rule, predicate: entry.predicate, reason: entry.reason };
    const stage = stages[entry.rule.stage];
    stage.all.push(planned);
    if (entry.index === null) {
      stage.unindexed.push(planned);
      return;
    }
    const map = stage.byPath[entry.index.path];
    for (const value of new Set(entry.index.values)) {
      const list = map.get(value);
      if (list === undefined) map.set(value, [planned]);
      else list.push(planned);
    }
  });
  return { policies: policies.map((p) => p.policy), stages };
}

function emptyStage(): StagePlan {
  return { all: [], unindexed: [], byPath: { "tool.name": new Map(), "action.type": new Map() } };
}

/** Wraps a predicate with the toolkit's `surfaces` restriction (`context.surface`, default `unknown`). */
function withSurfaces(rule: NormalizedRule, predicate: Predicate | null): Predicate | null {
  if (rule.surfaces === undefined) return predicate;
  const surfaces = new Set(rule.surfaces);
  return (scope: Scope) => {
    const raw = Object.hasOwn(scope.context, "surface") ? scope.context.surface : undefined;
    const surface = typeof raw === "string" ? raw : "unknown";
    if (!surfaces.has(surface)) return false;
    return predicate === null ? true : predicate(scope);
  };
}

/** The literal values the leading conjunct of a condition requires of an indexed path, if any. */
export function leadingConstraint(ast: Node): { path: IndexedPath; values: unknown[] } | null {
  let node = ast;
  while (node.kind === "and") node = node.left;
  if (node.kind !== "compare") return null;
  const { left, right } = node;
  if (node.op === "==") {
    if (left.kind === "path" && right.kind === "literal") return constraint(left.text, [right.value]);
    if (right.kind === "path" && left.kind === "literal") return constraint(right.text, [left.value]);
    return null;
  }
  if (node.op === "in" && left.kind === "path" && right.kind === "list") return constraint(left.text, right.items);
  return null;
}

function constraint(path: string, values: unknown[]): { path: IndexedPath; values: unknown[] } | null {
  return (INDEXED_PATHS as readonly string[]).includes(path) ? { path: path as IndexedPath, values } : null;
}
