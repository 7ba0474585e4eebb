/**
 * Validates an `agentgov-rl.yaml` value and compiles it into a frozen
 * {@link CompiledRlConfig}: every problem is collected with its position and thrown as
 * one `RL_CONFIG_INVALID` error; policies load through core (one engine per phase).
 */
import { dirname, resolve } from "node:path";
import { CONFLICT_STRATEGIES, createPolicyEngine, PolicyLoadError, type ConflictStrategy, type PolicyEngine, type PolicySource } from "@agentgov/core";
import { digestOf, isObject } from "../internal/canonical.js";
import { PACKS } from "../packs/index.js";
import { SEVERITIES, type Severity, type SeverityCounts } from "../types.js";
import { Checker, type Path } from "./checker.js";
import { RlConfigError } from "./error.js";
import type {
  AgtCompatConfig,
  AnomalyAction,
  Budgets,
  CompiledRlConfig,
  DetectorsConfig,
  HeldoutConfig,
  PhaseConfig,
  RampConfig,
  ScheduleCondition,
  ScheduleTerm,
  ShapingConfig,
  TermOp,
} from "./types.js";

/** Metrics a promotion gate accepts as its competence term (§4). */
export const COMPETENCE_METRICS = ["task_reward_mean", "heldout_mean", "eval_heldout_success", "eval_task_reward"] as const;
/** Adapters the config may name (for adapter-specific checks). */
export const ADAPTERS = ["agl-v1", "openai-tools", "openrlhf", "in-process"] as const;
const ACTIONS: readonly AnomalyAction[] = ["alert", "quarantine", "pause", "kill"];
const BUDGET_KEYS = ["max_tool_calls", "max_calls_per_tool", "max_model_calls", "max_tokens", "max_wall_ms", "max_cost_usd", "max_consecutive_denied"] as const;
const TOP_KEYS = ["apiVersion", "kind", "run", "policies", "strategy", "defaults", "tool_kinds", "egress_allow", "grader_paths", "adapter", "schedule", "shaping", "anomaly", "kill_switch", "metrics", "signing"];

/** Where the value came from. */
export interface CompileOptions {
  /** File name for messages (default `<object>`). */
  file?: string;
  /** Base directory of relative paths (default: the file's directory, else the cwd). */
  cwd?: string;
  /** Positions of values (from the YAML parser). */
  locate?: (path: Path) => { line: number; col: number };
}

/**
 * Compiles a parsed configuration.
 * @throws RlConfigError (`RL_CONFIG_INVALID`) listing every problem with file, line and column.
 */
export function compileRlConfig(value: unknown, options: CompileOptions = {}): CompiledRlConfig {
  const file = options.file ?? "<object>";
  const cwd = options.cwd ?? (options.file === undefined ? process.cwd() : dirname(resolve(options.file)));
  const c = new Checker(file, options.locate ?? (() => ({ line: 0, col: 0 })));
  const warnings: string[] = [];
  const root = c.object(value, [], TOP_KEYS, ["apiVersion", "kind", "run", "schedule"]);
  if (root === undefined) throw new RlConfigError(c.issues);
  if (root.apiVersion !== "agentgov/v1") c.report(["apiVersion"], "must be agentgov/v1");
  if (root.kind !== "RlGuard") c.report(["kind"], "must be RlGuard");

  const run = c.object(root.run, ["run"], ["id", "agent", "epoch_size"], ["id", "agent"]);
  const runId = c.string(run?.id, ["run", "id"]) ?? "";
  const agent = c.string(run?.agent, ["run", "agent"]) ?? "";
  const epochSize = run?.epoch_size === undefined ? 128 : (c.integer(run.epoch_size, ["run", "epoch_size"], 1) ?? 128);
  const strategy: ConflictStrategy = root.strategy === undefined ? "priority_first_match" : (c.oneOf(root.strategy, ["strategy"], CONFLICT_STRATEGIES) ?? "priority_first_match");
  const defaults = root.defaults === undefined ? {} : (c.object(root.defaults, ["defaults"], ["severity"]) ?? {});
  const defaultSeverity: Severity = defaults.severity === undefined ? "high" : (c.oneOf(defaults.severity, ["defaults", "severity"], SEVERITIES) ?? "high");
  const toolKinds: Record<string, string> = {};
  if (root.tool_kinds !== undefined) {
    const kinds = c.object(root.tool_kinds, ["tool_kinds"], "any") ?? {};
    for (const [tool, kind] of Object.entries(kinds)) {
      const k = c.oneOf(kind, ["tool_kinds", tool], ["read", "write", "net", "shell", "env", "other"] as const);
      if (k !== undefined) toolKinds[tool] = k;
    }
  }
  const egressAllow = root.egress_allow === undefined ? [] : (c.strings(root.egress_allow, ["egress_allow"]) ?? []);
  const graderPaths = root.grader_paths === undefined ? ["/grader/", "grader/"] : (c.strings(root.grader_paths, ["grader_paths"]) ?? []);
  const adapter = root.adapter === undefined ? "in-process" : (c.oneOf(root.adapter, ["adapter"], ADAPTERS) ?? "in-process");

  const basePolicies = policySources(c, root.policies, ["policies"], cwd);
  const shaping = compileShaping(c, root.shaping, warnings);
  if (shaping.mode === "screen" && adapter === "agl-v1") c.report(["shaping", "mode"], "mode screen is not supported with the agl-v1 adapter", "Agent Lightning v1 has no exclusion channel; use penalize or observe");

  const schedule = c.object(root.schedule, ["schedule"], ["cooldown_epochs", "phases"], ["phases"]);
  const cooldownEpochs = schedule?.cooldown_epochs === undefined ? 0 : (c.integer(schedule.cooldown_epochs, ["schedule", "cooldown_epochs"]) ?? 0);
  const phases: PhaseConfig[] = [];
  const rawPhases: unknown = schedule?.phases;
  if (!Array.isArray(rawPhases) || rawPhases.length === 0) c.report(["schedule", "phases"], "must be a non-empty list of phases");
  else {
    const names = new Set<string>();
    rawPhases.forEach((raw: unknown, i) => {
      const phase = compilePhase(c, raw, ["schedule", "phases", i], { basePolicies, cwd, strategy, shaping, names });
      if (phase !== undefined) phases.push(phase);
    });
  }
  const { heldout, integrityAction, detectors } = compileAnomaly(c, root.anomaly);
  const kill = root.kill_switch === undefined ? {} : (c.object(root.kill_switch, ["kill_switch"], ["state_file", "agl_pause"]) ?? {});
  if (kill.agl_pause !== undefined) c.boolean(kill.agl_pause, ["kill_switch", "agl_pause"]);
  const stateFile = kill.state_file === undefined ? null : (c.string(kill.state_file, ["kill_switch", "state_file"]) ?? null);
  if (root.metrics !== undefined) {
    const m = c.object(root.metrics, ["metrics"], ["jsonl", "prometheus"]);
    if (m?.jsonl !== undefined) c.string(m.jsonl, ["metrics", "jsonl"]);
    if (m?.prometheus !== undefined) c.boolean(m.prometheus, ["metrics", "prometheus"]);
  }
  const signing = root.signing === undefined ? {} : (c.object(root.signing, ["signing"], ["key_file", "trusted_keys", "integrity_floor"]) ?? {});
  const keyFile = signing.key_file === undefined ? null : (c.string(signing.key_file, ["signing", "key_file"]) ?? null);
  const trustedKeys = signing.trusted_keys === undefined ? [] : (c.strings(signing.trusted_keys, ["signing", "trusted_keys"]) ?? []);
  const integrityFloor = signing.integrity_floor === undefined ? shaping.clamp[0] : (c.number(signing.integrity_floor, ["signing", "integrity_floor"], -Infinity, 0) ?? -1);

  if (c.issues.length > 0) throw new RlConfigError(c.issues);
  return deepFreeze({
    file,
    run: { id: runId, agent, epochSize },
    strategy,
    defaultSeverity,
    toolKinds,
    egressAllow,
    graderPaths,
    cooldownEpochs,
    phases,
    shaping,
    heldout,
    integrityAction,
    detectors,
    killSwitch: { stateFile: stateFile === null ? null : resolve(cwd, stateFile) },
    signing: { keyFile, trustedKeys: trustedKeys.map((k) => resolve(cwd, k)), integrityFloor },
    warnings,
  });
}

function policySources(c: Checker, value: unknown, path: Path, cwd: string): PolicySource[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    c.report(path, "must be a list of policy paths or pack:<name>");
    return [];
  }
  const out: PolicySource[] = [];
  value.forEach((item: unknown, i) => {
    if (typeof item === "string" && item.startsWith("pack:")) {
      const pack = PACKS[item.slice(5)];
      if (pack === undefined) c.report([...path, i], `unknown pack '${item}'`, `known packs: ${Object.keys(PACKS).join(", ")}`);
      else out.push(pack);
    } else if (typeof item === "string" && item.length > 0 && !item.includes("\n")) out.push({ path: resolve(cwd, item) });
    else if (isObject(item) && "apiVersion" in item) out.push(item as unknown as PolicySource);
    else c.report([...path, i], "must be a policy path or pack:<name>");
  });
  return out;
}

interface PhaseContext {
  basePolicies: PolicySource[];
  cwd: string;
  strategy: ConflictStrategy;
  shaping: ShapingConfig;
  names: Set<string>;
}

function compilePhase(c: Checker, raw: unknown, path: Path, ctx: PhaseContext): PhaseConfig | undefined {
  const p = c.object(raw, path, ["name", "allow_tools", "budgets", "policies", "promote_when", "demote_when"], ["name", "allow_tools"]);
  if (p === undefined) return undefined;
  const name = c.string(p.name, [...path, "name"]);
  if (name !== undefined && ctx.names.has(name)) c.report([...path, "name"], `duplicate phase name '${name}'`);
  if (name !== undefined) ctx.names.add(name);
  const allowTools = c.strings(p.allow_tools, [...path, "allow_tools"]);
  if (allowTools?.length === 0) c.report([...path, "allow_tools"], "must not be empty", "a phase that allows no tool cannot train anything");
  const budgets: Budgets = {};
  if (p.budgets !== undefined) {
    const b = c.object(p.budgets, [...path, "budgets"], BUDGET_KEYS) ?? {};
    for (const key of BUDGET_KEYS) {
      if (b[key] === undefined) continue;
      const v = key === "max_cost_usd" ? c.number(b[key], [...path, "budgets", key], 0) : c.integer(b[key], [...path, "budgets", key], 1);
      if (v !== undefined) budgets[key] = v;
    }
  }
  const promoteWhen = p.promote_when === undefined ? null : compileCondition(c, p.promote_when, [...path, "promote_when"]);
  if (promoteWhen !== null && !promoteWhen.terms.some((t) => t.op === ">=" && (COMPETENCE_METRICS as readonly string[]).includes(t.metric))) {
    c.report([...path, "promote_when"], "promotion needs a competence term", `add a '>=' term on one of ${COMPETENCE_METRICS.join(", ")}: a violations-only gate promotes a policy that collapsed to doing nothing`);
  }
  if (promoteWhen?.combine === "any" && promoteWhen.terms.some((t) => !(COMPETENCE_METRICS as readonly string[]).includes(t.metric))) {
    c.report([...path, "promote_when"], "with 'any', every promotion term must be a competence term", "use 'all' to combine violation and competence terms");
  }
  const demoteWhen = p.demote_when === undefined ? null : compileCondition(c, p.demote_when, [...path, "demote_when"]);
  const policies = [...ctx.basePolicies, ...policySources(c, p.policies, [...path, "policies"], ctx.cwd)];
  let engine: PolicyEngine | undefined;
  try {
    engine = createPolicyEngine({ policies, strategy: ctx.strategy, cwd: ctx.cwd });
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    for (const issue of error.issues) c.issues.push(issue);
  }
  if (name === undefined || allowTools === undefined || engine === undefined) return undefined;
  const policyVersion = digestOf({ policy_digest: engine.digest, phase: name, allow_tools: allowTools, budgets, shaping: shapingDigestInput(ctx.shaping) });
  return { name, allowTools, budgets, promoteWhen, demoteWhen, engine, policyVersion };
}

function shapingDigestInput(s: ShapingConfig): unknown {
  return { mode: s.mode, weights: s.weights, floor: s.floor, clamp: s.clamp, ramp: s.ramp, clean_bonus: s.cleanBonus, terminate_on: s.terminateOn, shape_val: s.shapeVal, agt_compat: s.agtCompat };
}

function compileCondition(c: Checker, raw: unknown, path: Path): ScheduleCondition | null {
  const o = c.object(raw, path, ["all", "any"]);
  if (o === undefined) return null;
  const keys = Object.keys(o);
  if (keys.length !== 1) {
    c.report(path, "must have exactly one of 'all' or 'any'");
    return null;
  }
  const combine = keys[0] === "any" ? "any" : "all";
  const list: unknown = o[combine];
  if (!Array.isArray(list) || list.length === 0) {
    c.report([...path, combine], "must be a non-empty list of terms");
    return null;
  }
  const terms: ScheduleTerm[] = [];
  list.forEach((t: unknown, i) => {
    const tp = [...path, combine, i];
    const term = c.object(t, tp, ["metric", "op", "value", "for", "over"], ["metric", "op", "value"]);
    if (term === undefined) return;
    const metric = c.string(term.metric, [...tp, "metric"]);
    const op = c.oneOf<TermOp>(term.op, [...tp, "op"], ["<=", ">=", "<", ">"]);
    const v = c.number(term.value, [...tp, "value"]);
    const n = term.for === undefined ? 1 : c.integer(term.for, [...tp, "for"], 1);
    const over = term.over === undefined ? "epochs" : c.oneOf(term.over, [...tp, "over"], ["epochs", "evals"] as const);
    if (metric !== undefined && op !== undefined && v !== undefined && n !== undefined && over !== undefined) terms.push({ metric, op, value: v, for: n, over });
  });
  return { combine, terms };
}

function compileWeights(c: Checker, raw: unknown, path: Path, fallback: SeverityCounts, allowPositive: boolean): SeverityCounts {
  if (raw === undefined) return { ...fallback };
  const o = c.object(raw, path, SEVERITIES) ?? {};
  const out = { ...fallback };
  for (const s of SEVERITIES) {
    if (o[s] === undefined) continue;
    const v = c.number(o[s], [...path, s]);
    if (v !== undefined && v > 0 && !allowPositive) c.report([...path, s], "a penalty weight must not be positive");
    else if (v !== undefined) out[s] = v;
  }
  return out;
}

function compileShaping(c: Checker, raw: unknown, warnings: string[]): ShapingConfig {
  const keys = ["mode", "weights", "floor", "clamp", "ramp", "clean_bonus", "terminate_on", "shape_val", "agt_compat"];
  const s = raw === undefined ? {} : (c.object(raw, ["shaping"], keys) ?? {});
  const mode = s.mode === undefined ? "penalize" : (c.oneOf(s.mode, ["shaping", "mode"], ["penalize", "screen", "observe"] as const) ?? "penalize");
  const weights = compileWeights(c, s.weights, ["shaping", "weights"], { critical: -1, high: -0.5, medium: -0.2, low: -0.05 }, false);
  let floor = -1;
  if (s.floor !== undefined) {
    const f = c.number(s.floor, ["shaping", "floor"]);
    if (f !== undefined && f > 0) c.report(["shaping", "floor"], "the floor must not be positive");
    else if (f !== undefined) floor = f;
  }
  let clamp: [number, number] = [-1, 1];
  if (s.clamp !== undefined) {
    const lo = Array.isArray(s.clamp) && s.clamp.length === 2 ? c.number(s.clamp[0], ["shaping", "clamp", 0]) : undefined;
    const hi = Array.isArray(s.clamp) && s.clamp.length === 2 ? c.number(s.clamp[1], ["shaping", "clamp", 1]) : undefined;
    if (!Array.isArray(s.clamp) || s.clamp.length !== 2) c.report(["shaping", "clamp"], "must be [low, high]");
    else if (lo !== undefined && hi !== undefined) {
      if (!(lo <= 0 && hi >= 0 && lo < hi)) c.report(["shaping", "clamp"], "the clamp must include 0 (low <= 0 <= high, low < high)");
      else clamp = [lo, hi];
    }
  }
  const ramp = compileRamp(c, s.ramp);
  let cleanBonus = 0;
  if (s.clean_bonus !== undefined) {
    const b = c.number(s.clean_bonus, ["shaping", "clean_bonus"]);
    if (b !== undefined && b < 0) c.report(["shaping", "clean_bonus"], "clean_bonus must not be negative");
    else if (b !== undefined) cleanBonus = b;
  }
  const terminateOn: Severity[] = [];
  if (s.terminate_on !== undefined) {
    if (!Array.isArray(s.terminate_on)) c.report(["shaping", "terminate_on"], "must be a list of severities");
    else s.terminate_on.forEach((t: unknown, i) => {
      const v = c.oneOf(t, ["shaping", "terminate_on", i], SEVERITIES);
      if (v !== undefined) terminateOn.push(v);
    });
  } else terminateOn.push("critical");
  const shapeVal = s.shape_val === undefined ? false : (c.boolean(s.shape_val, ["shaping", "shape_val"]) ?? false);
  let agtCompat: AgtCompatConfig | null = null;
  if (s.agt_compat !== undefined && s.agt_compat !== false) {
    agtCompat = compileAgt(c, s.agt_compat);
    if (s.ramp !== undefined) c.report(["shaping", "ramp"], "agt_compat cannot be combined with a ramp");
    warnings.push("shaping.agt_compat reproduces the Agent Governance Toolkit arithmetic, which pays an unconditional clean bonus: parity tests only");
  }
  return { mode, weights, floor, clamp, ramp, cleanBonus, terminateOn, shapeVal, agtCompat };
}

function compileAgt(c: Checker, raw: unknown): AgtCompatConfig {
  const base: AgtCompatConfig = { weights: { critical: -100, high: -50, medium: -10, low: -1 }, cleanBonus: 5, multiplicative: false, factor: 0.5, clamp: [-100, 100] };
  if (raw === true) return base;
  const o = c.object(raw, ["shaping", "agt_compat"], ["weights", "clean_bonus", "multiplicative", "factor", "clamp"]) ?? {};
  const out = { ...base, weights: compileWeights(c, o.weights, ["shaping", "agt_compat", "weights"], base.weights, true) };
  if (o.clean_bonus !== undefined) out.cleanBonus = c.number(o.clean_bonus, ["shaping", "agt_compat", "clean_bonus"]) ?? base.cleanBonus;
  if (o.multiplicative !== undefined) out.multiplicative = c.boolean(o.multiplicative, ["shaping", "agt_compat", "multiplicative"]) ?? false;
  if (o.factor !== undefined) out.factor = c.number(o.factor, ["shaping", "agt_compat", "factor"]) ?? base.factor;
  if (o.clamp !== undefined) {
    const cl: unknown[] = Array.isArray(o.clamp) ? (o.clamp as unknown[]) : [];
    const [lo, hi] = cl;
    if (cl.length !== 2 || typeof lo !== "number" || typeof hi !== "number" || !(lo < hi)) c.report(["shaping", "agt_compat", "clamp"], "must be [low, high] with low < high");
    else out.clamp = [lo, hi];
  }
  return out;
}

function compileRamp(c: Checker, raw: unknown): RampConfig {
  if (raw === undefined) return { kind: "competence", metric: "task_reward_mean", threshold: 0.3, step: 0.1, windowEpochs: 3 };
  const o = c.object(raw, ["shaping", "ramp"], ["kind", "metric", "threshold", "step", "window_epochs", "start_epoch", "ramp_epochs"], ["kind"]);
  const kind = c.oneOf(o?.kind, ["shaping", "ramp", "kind"], ["competence", "warmup", "none"] as const);
  if (o === undefined || kind === undefined || kind === "none") return { kind: "none" };
  if (kind === "warmup") {
    return { kind, startEpoch: c.integer(o.start_epoch, ["shaping", "ramp", "start_epoch"]) ?? 0, rampEpochs: c.integer(o.ramp_epochs, ["shaping", "ramp", "ramp_epochs"], 1) ?? 1 };
  }
  return {
    kind,
    metric: o.metric === undefined ? "task_reward_mean" : (c.oneOf(o.metric, ["shaping", "ramp", "metric"], COMPETENCE_METRICS) ?? "task_reward_mean"),
    threshold: o.threshold === undefined ? 0.3 : (c.number(o.threshold, ["shaping", "ramp", "threshold"]) ?? 0.3),
    step: o.step === undefined ? 0.1 : (c.number(o.step, ["shaping", "ramp", "step"], 0, 1) ?? 0.1),
    windowEpochs: o.window_epochs === undefined ? 3 : (c.integer(o.window_epochs, ["shaping", "ramp", "window_epochs"], 1) ?? 3),
  };
}

/** Defaults of the detectors' numeric settings (RL-GUARD.md §4). */
const DETECTOR_DEFAULTS = {
  spike: { window: 8, min_epochs: 5, z: 4, effort_drop: 0.8, z_alone: 8 },
  ceiling: { jump: 0.2 },
  surge: { warmup_epochs: 10, rise: 0.05, consecutive: 2 },
  integrity: {},
} as const;

function compileAnomaly(c: Checker, raw: unknown): { heldout: HeldoutConfig | null; integrityAction: AnomalyAction; detectors: DetectorsConfig } {
  const detectors: DetectorsConfig = { spike: null, ceiling: null, surge: null };
  if (raw === undefined) return { heldout: null, integrityAction: "kill", detectors };
  const o = c.object(raw, ["anomaly"], ["heldout", "spike", "ceiling", "surge", "integrity"]) ?? {};
  const read = <K extends keyof typeof DETECTOR_DEFAULTS>(name: K): (Record<keyof (typeof DETECTOR_DEFAULTS)[K], number> & { action: AnomalyAction }) | null => {
    if (o[name] === undefined) return null;
    const defaults: Record<string, number> = DETECTOR_DEFAULTS[name];
    const d = c.object(o[name], ["anomaly", name], [...Object.keys(defaults), "action"]) ?? {};
    const out: Record<string, unknown> = { action: d.action === undefined ? "alert" : (c.oneOf(d.action, ["anomaly", name, "action"], ACTIONS) ?? "alert") };
    for (const [k, v] of Object.entries(defaults)) out[k] = d[k] === undefined ? v : (c.number(d[k], ["anomaly", name, k], 0) ?? v);
    return out as Record<keyof (typeof DETECTOR_DEFAULTS)[K], number> & { action: AnomalyAction };
  };
  const spike = read("spike");
  if (spike !== null) detectors.spike = { window: spike.window, minEpochs: spike.min_epochs, z: spike.z, effortDrop: spike.effort_drop, zAlone: spike.z_alone, action: spike.action };
  const ceiling = read("ceiling");
  if (ceiling !== null) detectors.ceiling = { jump: ceiling.jump, action: ceiling.action };
  const surge = read("surge");
  if (surge !== null) detectors.surge = { warmupEpochs: surge.warmup_epochs, rise: surge.rise, consecutive: surge.consecutive, action: surge.action };
  const integrity = read("integrity");
  // D5 defaults to kill (any verification failure), unlike the other detectors.
  const integrityAction = integrity !== null && isObject(o.integrity) && o.integrity.action !== undefined ? integrity.action : "kill";
  if (o.heldout === undefined) return { heldout: null, integrityAction, detectors };
  const h = c.object(o.heldout, ["anomaly", "heldout"], ["audit_fraction", "max_gap", "consecutive", "min_pairs", "action"]) ?? {};
  const heldout: HeldoutConfig = {
    auditFraction: h.audit_fraction === undefined ? 0.1 : (c.number(h.audit_fraction, ["anomaly", "heldout", "audit_fraction"], 0, 1) ?? 0.1),
    maxGap: h.max_gap === undefined ? 0.25 : (c.number(h.max_gap, ["anomaly", "heldout", "max_gap"], 0) ?? 0.25),
    consecutive: h.consecutive === undefined ? 2 : (c.integer(h.consecutive, ["anomaly", "heldout", "consecutive"], 1) ?? 2),
    minPairs: h.min_pairs === undefined ? 8 : (c.integer(h.min_pairs, ["anomaly", "heldout", "min_pairs"], 1) ?? 8),
    action: h.action === undefined ? "kill" : (c.oneOf(h.action, ["anomaly", "heldout", "action"], ACTIONS) ?? "kill"),
  };
  return { heldout, integrityAction, detectors };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) {
      // Engines are live objects (rate-limit state); they are not frozen.
      if (typeof v === "object" && v !== null && !("decide" in v)) deepFreeze(v);
    }
  }
  return value;
}
