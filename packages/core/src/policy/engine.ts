/**
 * The policy engine (POLICY.md §4–§5): `decide()` is synchronous, does no I/O and never
 * throws; a malformed request is denied (`invalid_request`), an internal fault is denied
 * (`internal_error`), and an evaluation error never loosens a decision.
 */
import { canonicalJson } from "../internal/canonical-json.js";
import { sha256Hex } from "../internal/sha256.js";
import { compileGlob } from "./condition/glob.js";
import { EvaluationError, MAX_STRING_OPERAND, type Scope } from "./condition/values.js";
import { loadPolicies, type LoadPoliciesOptions, type LoadedPolicy, type PolicySource } from "./load.js";
import { buildPlan, type Plan, type PlannedRule, type StagePlan } from "./plan.js";
import { type RateLimiter, slidingWindowLimiter } from "./rate-limiter.js";
import { PolicyLoadError } from "../errors.js";
import {
  type ConflictStrategy,
  type DecideOptions,
  type Decision,
  type DecisionRequest,
  type EvaluationErrorNote,
  type RuleTrace,
  STAGES,
  type Stage,
} from "./types.js";

/** The default conflict strategy. */
export const DEFAULT_STRATEGY: ConflictStrategy = "priority_first_match";
/** Most agent ids whose policy applicability is cached. */
export const APPLICABILITY_CACHE_SIZE = 4096;

/** Options of {@link createPolicyEngine}. */
export interface PolicyEngineOptions {
  /** Policies: file paths, YAML/JSON text or document objects, in load order. */
  policies?: readonly PolicySource[];
  /** Overrides the files' `conflict_strategy`. */
  strategy?: ConflictStrategy;
  /** Milliseconds since the epoch; injectable for rate limits. Default `Date.now`. */
  clock?: () => number;
  /** Rate-limit store. Default: an in-memory {@link slidingWindowLimiter}. */
  rateLimiter?: RateLimiter;
  /** Base directory for relative policy paths. */
  cwd?: string;
}

/** A compiled policy set that decides requests. */
export interface PolicyEngine {
  /** Decides one request. Never throws. */
  decide(request: DecisionRequest, options?: DecideOptions): Decision;
  /** sha256 of the canonical compiled policy set (also on every decision). */
  readonly digest: string;
  /** The effective conflict strategy. */
  readonly strategy: ConflictStrategy;
  /** Names of the loaded policies, in load order. */
  readonly policyNames: readonly string[];
  /** True when some enabled rule (of any policy) is of `stage`. */
  hasRulesFor(stage: Stage): boolean;
}

interface Applicability {
  /** Per enforced policy. */
  enforced: boolean[];
  anyEnforced: boolean;
  defaultDeny: boolean;
  /** Indexes of applicable shadow policies. */
  shadow: number[];
}

interface Evaluated {
  planned: PlannedRule;
  /** The error, when the rule errored (and counts as a deny). */
  error?: string;
}

/** Loads and compiles policies into an engine. Throws {@link PolicyLoadError} when any policy does not load. */
export function createPolicyEngine(options: PolicyEngineOptions = {}): PolicyEngine {
  const loadOptions: LoadPoliciesOptions = {};
  if (options.cwd !== undefined) loadOptions.cwd = options.cwd;
  const loaded = loadPolicies(options.policies ?? [], loadOptions);
  return compileEngine(loaded, options);
}

/** Compiles already-loaded policies into an engine. */
export function compileEngine(loaded: readonly LoadedPolicy[], options: PolicyEngineOptions = {}): PolicyEngine {
  const strategy = options.strategy ?? strategyFromFiles(loaded);
  const clock = options.clock ?? Date.now;
  const limiter = options.rateLimiter ?? slidingWindowLimiter();
  const enforced = loaded.filter((p) => p.policy.mode === "enforce");
  const shadows = loaded.filter((p) => p.policy.mode === "shadow");
  const plan = buildPlan(enforced, strategy);
  const shadowPlans = shadows.map((p) => buildPlan([p], strategy));
  const digest = sha256Hex(canonicalJson({ v: 1, strategy, policies: loaded.map(({ policy }) => ({ ...policy, file: undefined })) }));
  const everyAgent = (globs: string[]) => globs.includes("*");
  const matchers = loaded.map(({ policy }) => (everyAgent(policy.agents) ? null : policy.agents.map((g) => compileGlob(g, "agents"))));
  const enforcedMatchers = matchers.filter((_, i) => loaded[i]?.policy.mode === "enforce");
  const shadowMatchers = matchers.filter((_, i) => loaded[i]?.policy.mode === "shadow");
  const cache = new Map<string, Applicability>();

  const applicability = (agentId: string): Applicability => {
    const hit = cache.get(agentId);
    if (hit !== undefined) return hit;
    const applies = (m: RegExp[] | null | undefined) => m === null || m === undefined || m.some((re) => re.test(agentId));
    const enforcedFlags = enforcedMatchers.map(applies);
    const result: Applicability = {
      enforced: enforcedFlags,
      anyEnforced: enforcedFlags.includes(true),
      defaultDeny: enforced.some((p, i) => enforcedFlags[i] === true && p.policy.default_action === "deny"),
      shadow: shadowMatchers.flatMap((m, i) => (applies(m) ? [i] : [])),
    };
    if (cache.size >= APPLICABILITY_CACHE_SIZE) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(agentId, result);
    return result;
  };

  /** Builds a decision as one literal (no spread: this is the hot path). */
  const make = (allowed: boolean, action: Decision["action"], matchedRule: string | null, policyName: string | null, code: Decision["code"], reason: string): Decision => ({
    allowed,
    action,
    matched_rule: matchedRule,
    policy: policyName,
    code,
    reason,
    policy_digest: digest,
  });

  const decide = (request: DecisionRequest, decideOptions?: DecideOptions): Decision => {
    try {
      const checked = checkRequest(request);
      if (typeof checked === "string") {
        return make(false, "deny", null, null, "invalid_request", `Malformed request: ${checked}`);
      }
      const { agentId, stage, scope } = checked;
      const explain = decideOptions?.explain === true;
      const trace: RuleTrace[] | undefined = explain ? [] : undefined;
      const errors: EvaluationErrorNote[] = [];
      const app = applicability(agentId);
      let decision: Decision;
      if (!app.anyEnforced) {
        decision = make(false, "deny", null, null, "no_policy", `No policy applies to agent '${agentId}'`);
      } else {
        const winner = evaluate(plan.stages[stage], scope, app.enforced, strategy, errors, trace);
        decision = winner === null ? defaultDecision(app.defaultDeny) : ruleDecision(winner, agentId, decideOptions?.dryRun !== true);
      }
      if (app.shadow.length > 0) {
        decision.shadow = app.shadow.map((i) => {
          const shadowPlan = shadowPlans[i] as Plan;
          const shadowErrors: EvaluationErrorNote[] = [];
          const winner = evaluate(shadowPlan.stages[stage], scope, [true], strategy, shadowErrors, undefined);
          const entry = winner === null ? defaultDecision(shadowPlan.policies[0]?.default_action !== "allow") : ruleDecision(winner, agentId, false);
          if (shadowErrors.length > 0) entry.errors = shadowErrors;
          return entry;
        });
      }
      if (errors.length > 0) decision.errors = errors;
      if (trace !== undefined) decision.trace = completeTrace(trace, stage, app);
      return decision;
    } catch (error) {
      return make(false, "deny", null, null, "internal_error", `Internal error while deciding: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const defaultDecision = (deny: boolean): Decision =>
    deny ? make(false, "deny", null, null, "default", "No rule matched; the default is deny") : make(true, "allow", null, null, "default", "No rule matched; the default is allow");

  const ruleDecision = ({ planned, error }: Evaluated, agentId: string, record: boolean): Decision => {
    const { rule, policy } = planned;
    if (error !== undefined) {
      const d = make(false, "deny", rule.name, policy.name, "evaluation_error", `Rule '${rule.name}' of policy '${policy.name}' could not be evaluated (${error}); denied, since an evaluation error never loosens a decision`);
      if (rule.severity !== undefined) d.severity = rule.severity;
      return d;
    }
    if (rule.limit !== undefined && rule.action !== "deny") {
      const key = { agent: agentId, policy: policy.name, rule: rule.name };
      const now = clock();
      const within = record ? limiter.tryAcquire(key, rule.limit, now) : limiter.peek(key, rule.limit, now);
      if (!within) {
        const limited = make(false, "deny", rule.name, policy.name, "rate_limited", `Rate limit ${rule.limit.text} of rule '${rule.name}' exceeded for agent '${agentId}'`);
        limited.rate_limited = true;
        return limited;
      }
    }
    const allowed = rule.action !== "deny" && rule.action !== "require_approval";
    const d = make(allowed, rule.action, rule.name, policy.name, "rule", planned.reason);
    if (rule.action === "require_approval") {
      d.approvers = [...(rule.approvers ?? [])];
      d.quorum = rule.quorum ?? 1;
    }
    if (rule.action === "transform") {
      const transform: NonNullable<Decision["transform"]> = {};
      if (rule.set !== undefined) transform.set = structuredClone(rule.set);
      if (rule.redact !== undefined) transform.redact = [...rule.redact];
      d.transform = transform;
    }
    if (rule.severity !== undefined) d.severity = rule.severity;
    return d;
  };

  const completeTrace = (trace: RuleTrace[], stage: Stage, app: Applicability): RuleTrace[] => {
    const seen = new Set(trace.map((t) => `${t.policy}\u0000${t.rule}`));
    const out = [...trace];
    loaded.forEach(({ policy }) => {
      const enforcedIndex = enforced.findIndex((p) => p.policy === policy);
      for (const rule of policy.rules) {
        if (seen.has(`${policy.name}\u0000${rule.name}`)) continue;
        let result: RuleTrace["result"];
        if (!rule.enabled) result = "disabled";
        else if (rule.stage !== stage) result = "other_stage";
        else if (policy.mode === "shadow") result = "shadow";
        else if (enforcedIndex >= 0 && app.enforced[enforcedIndex] !== true) result = "policy_not_applicable";
        else result = "not_reached";
        out.push({ policy: policy.name, rule: rule.name, result });
      }
    });
    return out;
  };

  const stagesWithRules = new Set(loaded.flatMap(({ policy }) => policy.rules.filter((r) => r.enabled).map((r) => r.stage)));
  return { decide, digest, strategy, policyNames: loaded.map((p) => p.policy.name), hasRulesFor: (stage) => stagesWithRules.has(stage) };
}

/** Reads the strategy the files agree on; files that disagree are a load error. */
function strategyFromFiles(loaded: readonly LoadedPolicy[]): ConflictStrategy {
  const declared = loaded.filter((p) => p.policy.conflict_strategy !== undefined);
  const first = declared[0]?.policy;
  const other = declared.find((p) => p.policy.conflict_strategy !== first?.conflict_strategy)?.policy;
  if (first !== undefined && other !== undefined) {
    throw new PolicyLoadError([{ file: other.file, line: 0, col: 0, key: "conflict_strategy", message: `conflict_strategy '${String(other.conflict_strategy)}' of policy '${other.name}' disagrees with '${String(first.conflict_strategy)}' of policy '${first.name}' (${first.file})`, hint: "use one strategy in every file, or pass an explicit strategy (--strategy)" }]);
  }
  return first?.conflict_strategy ?? DEFAULT_STRATEGY;
}

const STAGE_SET: ReadonlySet<string> = new Set(STAGES);

/** Returns why `request` is malformed (POLICY.md §2), or null when it is well-formed. */
export function validateRequest(request: unknown): string | null {
  const checked = checkRequest(request);
  return typeof checked === "string" ? checked : null;
}

/** Validates a request; returns a reason string when it is malformed. */
function checkRequest(request: unknown): string | { agentId: string; stage: Stage; scope: Scope } {
  if (typeof request !== "object" || request === null || Array.isArray(request)) return "a request must be an object";
  const r = request as Record<string, unknown>;
  const agent = r.agent;
  let agentId: string;
  let agentValue: unknown;
  if (typeof agent === "string") {
    agentId = agent;
    agentValue = { id: agent };
  } else if (typeof agent === "object" && agent !== null && !Array.isArray(agent) && typeof (agent as Record<string, unknown>).id === "string") {
    agentId = (agent as { id: string }).id;
    agentValue = agent;
  } else {
    return "'agent' must be a string or an object with a string 'id'";
  }
  if (agentId === "") return "'agent' id must not be empty";
  const stage = r.stage ?? "pre_tool";
  if (typeof stage !== "string" || !STAGE_SET.has(stage)) return `unknown stage ${JSON.stringify(stage)}`;
  const context = r.context;
  if (typeof context !== "object" || context === null || Array.isArray(context)) return "'context' must be an object";
  return { agentId, stage: stage as Stage, scope: { context: context as Record<string, unknown>, agent: agentValue } };
}

/**
 * Runs the rules of one stage in order and returns the winner under `strategy`, or null
 * when no rule matched. Errored deny/require_approval rules count as matched denies.
 * With a trace, every candidate is evaluated (for the trace only once a winner is known).
 */
function evaluate(stagePlan: StagePlan, scope: Scope, applicable: readonly boolean[], strategy: ConflictStrategy, errors: EvaluationErrorNote[], trace: RuleTrace[] | undefined): Evaluated | null {
  let firstMatch: Evaluated | null = null;
  let firstApproval: Evaluated | null = null;
  let winner: Evaluated | null = null;
  // Up to three ordered lists (unindexed rules, index hits on tool.name and on action.type),
  // merged by `order` without allocating.
  let a: readonly PlannedRule[] = stagePlan.unindexed;
  let b: readonly PlannedRule[] = NONE;
  let c: readonly PlannedRule[] = NONE;
  if (trace !== undefined) a = stagePlan.all;
  else {
    const tool = lookup(stagePlan.byPath["tool.name"], scope.context, "tool", "name");
    const action = lookup(stagePlan.byPath["action.type"], scope.context, "action", "type");
    if (tool === FULL_SCAN || action === FULL_SCAN) a = stagePlan.all;
    else {
      b = tool;
      c = action;
    }
  }
  let i = 0;
  let j = 0;
  let k = 0;
  for (;;) {
    const x = a[i];
    const y = b[j];
    const z = c[k];
    let planned: PlannedRule;
    if (x !== undefined && (y === undefined || x.order < y.order) && (z === undefined || x.order < z.order)) {
      planned = x;
      i++;
    } else if (y !== undefined && (z === undefined || y.order < z.order)) {
      planned = y;
      j++;
    } else if (z !== undefined) {
      planned = z;
      k++;
    } else break;
    if (applicable[planned.policyIndex] !== true) continue;
    let matched: boolean;
    let error: string | undefined;
    try {
      matched = planned.predicate === null || planned.predicate(scope);
    } catch (e) {
      matched = false;
      error = e instanceof EvaluationError ? e.message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
    }
    trace?.push(traceEntry(planned, matched, error));
    if (winner !== null) continue;
    if (error !== undefined) errors.push({ policy: planned.policy.name, rule: planned.rule.name, error });
    const action = planned.rule.action;
    const countsAsDeny = error !== undefined && (action === "deny" || action === "require_approval");
    if (!matched && !countsAsDeny) continue;
    const hit: Evaluated = countsAsDeny && error !== undefined ? { planned, error } : { planned };
    const effective = countsAsDeny ? "deny" : action;
    firstMatch ??= hit;
    if (strategy === "deny_overrides") {
      if (effective === "deny") winner = hit;
      else if (effective === "require_approval") firstApproval ??= hit;
    } else if (strategy === "allow_overrides") {
      if (effective === "allow") winner = hit;
    } else {
      winner = hit;
    }
    if (winner !== null && trace === undefined) break;
  }
  if (winner !== null) return winner;
  return strategy === "deny_overrides" ? (firstApproval ?? firstMatch) : firstMatch;
}

function traceEntry(planned: PlannedRule, matched: boolean, error: string | undefined): RuleTrace {
  const entry: RuleTrace = { policy: planned.policy.name, rule: planned.rule.name, result: error !== undefined ? "errored" : matched ? "matched" : "not_matched" };
  if (error !== undefined) entry.error = error;
  return entry;
}

const NONE: readonly PlannedRule[] = [];
/** Returned by {@link lookup} when the index cannot be used for this request. */
const FULL_SCAN: readonly PlannedRule[] = [];

/**
 * The indexed rules for the request's value of `root.leaf` (read as a compiled condition
 * would: own properties only). An oversized string would make the leading comparison an
 * evaluation error, so then everything is scanned.
 */
function lookup(map: Map<unknown, PlannedRule[]>, context: Record<string, unknown>, root: string, leaf: string): readonly PlannedRule[] {
  if (map.size === 0 || !Object.hasOwn(context, root)) return NONE;
  const holder = context[root];
  if (typeof holder !== "object" || holder === null || Array.isArray(holder) || !Object.hasOwn(holder, leaf)) return NONE;
  const value = (holder as Record<string, unknown>)[leaf];
  if (typeof value === "string" && value.length > MAX_STRING_OPERAND) return FULL_SCAN;
  return map.get(value) ?? NONE;
}
