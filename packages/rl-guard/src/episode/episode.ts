/**
 * The governed episode (RL-GUARD.md §5, §7): gates each call synchronously through the
 * phase kernel, appends every decision to the episode's hash-chained log, and on `finish`
 * derives the shaped reward from that log and signs it.
 */
import { denyDecision, type AuditEntry, type Decision, type Kernel, type ReasonCode } from "@agentgov/core";
import { canonicalArgs, canonicalArgsDigest, type CanonicalArgs, type MemoryAuditSink } from "@agentgov/core/audit";
import type { Budgets, CompiledRlConfig, PhaseConfig } from "../config/types.js";
import { rlError } from "../errors.js";
import { computeFacets } from "../gate/facets.js";
import { severityOf } from "../gate/severity.js";
import { digestOf, isObject } from "../internal/canonical.js";
import { isoTimeOf } from "../internal/iso-time.js";
import { EpisodeFactsReader, isFactsProblem, RL_ACTIONS } from "../integrity/derive.js";
import { withExt } from "../integrity/ext.js";
import type { RewardSigner } from "../integrity/keys.js";
import { type FinalRewardFields, rewardTextWriter } from "../integrity/reward-text.js";
import { completeWithSignature, EPISODE_TYPE, type RewardReason, type RewardRecordV1 } from "../integrity/record.js";
import { shapeReward } from "../shaping/shape.js";
import { type EpisodeRef, type GateDecision, SEVERITIES, type Severity, type ToolCall } from "../types.js";
import { loggedArgs } from "./redact.js";

/** Most distinct tool names counted per episode (further ones share one counter). */
export const MAX_TRACKED_TOOLS = 256;
/** Hard cap on gated calls per episode, whatever the budgets say (bounds the log and call ids). */
export const MAX_CALLS_PER_EPISODE = 10_000;

/** A governed episode. */
export interface GovernedEpisode {
  readonly ref: Readonly<EpisodeRef>;
  /** Aborted when the episode terminates (terminating decision, budget, kill switch). */
  readonly signal: AbortSignal;
  /** The episode log. */
  readonly log: MemoryAuditSink;
  readonly nonce: string;
  /** True when this episode is marked for held-out re-grading. */
  readonly audit: boolean;
  readonly phase: string;
  readonly policyVersion: string;
  /** Filters an OpenAI `tools` list to the phase allow-list (gating still applies). */
  exposedTools<T extends { function: { name: string } }>(tools: readonly T[]): T[];
  /** Gates one call; synchronous, no I/O; appends the `pre_tool` record. */
  gate(call: ToolCall): GateDecision;
  /** Records a permitted call's result (`post_tool`). @throws `RL_EXECUTED_AFTER_DENY` for a call that was not permitted. */
  recordResult(callId: string, result: { ok: boolean }): void;
  /** Records model usage; returns a budget decision (terminating when a model budget is exhausted). */
  recordModelCall(usage: { prompt_tokens?: number; completion_tokens?: number; cost_usd?: number }): GateDecision;
  /** Shapes, records the outcome and signs the reward record. Call once. */
  finish(o: { base: number | Record<string, number>; primary?: string; artifactDigest?: string }): Promise<RewardRecordV1>;
  /** Ends the episode without a reward record (a failed or abandoned rollout); aborts `signal`. */
  cancel(reason: string): void;
  /** Decisions that were `internal_error` (alert only: the policy can provoke them). */
  readonly guardErrors: number;
}

/** Run state an episode starts from (snapshotted). */
export interface EpisodeStart {
  epoch: number;
  phase: PhaseConfig;
  penaltyScale: number;
  audit: boolean;
  nonce: string;
}

/** What an episode needs from its guard. */
export interface EpisodeDeps {
  config: CompiledRlConfig;
  kernel: Kernel;
  log: MemoryAuditSink;
  signer: RewardSigner;
  clock: () => number;
  observation: "detailed" | "generic";
  /** Called once when the episode ends (finish or abort), to forget it. */
  onEnd: () => void;
}

/** The hex genesis of an episode (§7): binds the chain to run, rollout, attempt, mode, version and nonce. */
export function episodeGenesis(ref: EpisodeRef, policyVersion: string, nonce: string): string {
  return digestOf({ _type: EPISODE_TYPE, run_id: ref.runId, rollout_id: ref.rolloutId, attempt_id: ref.attemptId, mode: ref.mode, policy_version: policyVersion, nonce });
}

const GENERIC_REFUSAL = JSON.stringify({ error: "denied" });

/** The decision of the episode's own records (shared: records are only read after they are appended). */
const META_DECISION = Object.freeze({ action: "log", allowed: true, code: "default", matched_rule: null, policy: null, reason: "rl-guard episode record" } as const);
/** The decision of a `post_tool` record of a permitted call. */
const RESULT_DECISION = Object.freeze({ allowed: true, action: "log", matched_rule: null, policy: null, code: "default", reason: META_DECISION.reason } as const);

/** `outcome` of gated and executed calls, one object per status. */
const OUTCOMES = Object.freeze({
  permitted: Object.freeze({ status: "permitted" }),
  denied: Object.freeze({ status: "denied" }),
  ok: Object.freeze({ status: "ok" }),
  error: Object.freeze({ status: "error" }),
} as const);

/** `ext` of a `pre_tool` record, `{ rl: { severity, terminate } }`, one object per value (10 in all). */
const GATE_EXTS = new Map<Severity | null, readonly [Record<string, unknown>, Record<string, unknown>]>(
  ([null, ...SEVERITIES] as const).map((severity) => [severity, [frozenGateExt(severity, false), frozenGateExt(severity, true)]]),
);

function frozenGateExt(severity: Severity | null, terminate: boolean): Record<string, unknown> {
  return Object.freeze({ rl: Object.freeze({ severity, terminate }) });
}

function gateExt(severity: Severity | null, terminate: boolean): Record<string, unknown> {
  const pair = GATE_EXTS.get(severity);
  // Every severity has its pair; a value outside the type still gets a record of its own.
  return pair === undefined ? { rl: { severity, terminate } } : pair[terminate ? 1 : 0];
}

/** Starts an episode: appends `rl.start`. */
export function startEpisode(ref: EpisodeRef, start: EpisodeStart, deps: EpisodeDeps): GovernedEpisode {
  const { config, kernel, log, signer, clock } = deps;
  const phase = start.phase;
  const budgets: Budgets = phase.budgets;
  const controller = new AbortController();
  const agent = config.run.agent;
  const startedAt = clock();
  const allow = new Set(phase.allowTools);
  const callsByTool = new Map<string, number>();
  // The same counts as a plain object for the policy context, kept up to date instead of rebuilt per call.
  const callsByToolView: Record<string, number> = Object.create(null) as Record<string, number>;
  // What the log says so far, read record by record as it is appended (the verifier reads the stored log with the same reader).
  const factsReader = new EpisodeFactsReader();
  const permitted = new Set<string>();
  const gatedIds = new Set<string>();
  let calls = 0;
  let deniedStreak = 0;
  let modelCalls = 0;
  let tokens = 0;
  let cost = 0;
  let guardErrors = 0;
  let logFailed = false;
  let finished = false;
  let ended = false;

  const end = (): void => {
    if (!ended) {
      ended = true;
      deps.onEnd();
    }
  };
  const abort = (why: string): void => {
    if (!controller.signal.aborted) controller.abort(rlError("RL_KILLED", why));
  };

  const append = (entry: AuditEntry): boolean => {
    try {
      factsReader.add(log.append(entry));
      return true;
    } catch {
      logFailed = true;
      abort("the episode log cannot take records");
      return false;
    }
  };

  const digest = phase.engine.digest;
  // The policy context's `rl` member is the same for every call of the episode.
  const rlContext = Object.freeze({ epoch: start.epoch, phase: phase.name, mode: ref.mode });
  const base = { agent, run_id: ref.rolloutId, policy_digest: digest };
  append(withExt({ ...base, kind: "decision", stage: "input", action: RL_ACTIONS.start, decision: META_DECISION }, {
    rl: {
      epoch: start.epoch, phase: phase.name, policy_version: phase.policyVersion, penalty_scale: start.penaltyScale, budgets, audit: start.audit,
      run_id: ref.runId, attempt_id: ref.attemptId, mode: ref.mode, nonce: start.nonce, genesis: episodeGenesis(ref, phase.policyVersion, start.nonce),
    },
  }));

  const synth = (code: ReasonCode, reason: string, from?: Decision): Decision => denyDecision(code, reason, phase.engine.digest, from);

  const budgetDenial = (tool: string): { decision: Decision; terminate: boolean } | null => {
    const elapsed = clock() - startedAt;
    if (calls > MAX_CALLS_PER_EPISODE) return { decision: synth("budget_exceeded", `hard cap of ${MAX_CALLS_PER_EPISODE} calls per episode exhausted`), terminate: true };
    if (budgets.max_tool_calls !== undefined && calls > budgets.max_tool_calls) return { decision: synth("budget_exceeded", `max_tool_calls (${budgets.max_tool_calls}) exhausted`), terminate: true };
    if (budgets.max_consecutive_denied !== undefined && deniedStreak >= budgets.max_consecutive_denied) return { decision: synth("budget_exceeded", `max_consecutive_denied (${budgets.max_consecutive_denied}) reached`), terminate: true };
    if (budgets.max_wall_ms !== undefined && elapsed >= budgets.max_wall_ms) return { decision: synth("budget_exceeded", `max_wall_ms (${budgets.max_wall_ms}) exhausted`), terminate: true };
    if (budgets.max_calls_per_tool !== undefined && (callsByTool.get(tool) ?? 0) > budgets.max_calls_per_tool) return { decision: synth("budget_exceeded", `max_calls_per_tool (${budgets.max_calls_per_tool}) exhausted for '${tool}'`), terminate: false };
    return modelBudgetDenial();
  };
  const modelBudgetDenial = (): { decision: Decision; terminate: boolean } | null => {
    if (budgets.max_model_calls !== undefined && modelCalls > budgets.max_model_calls) return { decision: synth("budget_exceeded", "max_model_calls exhausted"), terminate: true };
    if (budgets.max_tokens !== undefined && tokens > budgets.max_tokens) return { decision: synth("budget_exceeded", "max_tokens exhausted"), terminate: true };
    if (budgets.max_cost_usd !== undefined && cost > budgets.max_cost_usd) return { decision: synth("budget_exceeded", "max_cost_usd exhausted"), terminate: true };
    return null;
  };

  // Refusals repeat (the same rule denies again and again): the last text is reused while rule and reason are the same.
  let lastRefusal: { rule: string | null; reason: string; text: string } | null = null;
  const refusal = (d: Decision): string => {
    if (deps.observation === "generic") return GENERIC_REFUSAL;
    if (lastRefusal?.rule !== d.matched_rule || lastRefusal.reason !== d.reason) {
      lastRefusal = { rule: d.matched_rule, reason: d.reason, text: JSON.stringify({ error: "denied", rule: d.matched_rule, reason: d.reason }) };
    }
    return lastRefusal.text;
  };

  const gate = (call: ToolCall): GateDecision => {
    if (finished) throw rlError("RL_INVALID_STATE", "the episode is finished");
    const tool = typeof call.name === "string" ? call.name : "";
    const callId = typeof call.id === "string" && call.id !== "" && call.id.length <= 256 && !gatedIds.has(call.id) ? call.id : `call#${calls + 1}`;
    if (gatedIds.size <= MAX_CALLS_PER_EPISODE) gatedIds.add(callId);
    calls++;
    // One lookup for a tool already counted (counts are never 0, so a miss means a new tool).
    let key = tool;
    let previous = callsByTool.get(tool);
    if (previous === undefined && callsByTool.size >= MAX_TRACKED_TOOLS) {
      key = "\u0000other";
      previous = callsByTool.get(key);
    }
    const count = (previous ?? 0) + 1;
    callsByTool.set(key, count);
    callsByToolView[key] = count;

    let decision: Decision;
    let terminate = false;
    // The arguments' canonical text, computed once: their digest and, unless redacted, their logged copy.
    let canonical: CanonicalArgs | null;
    try {
      canonical = isObject(call.args) ? canonicalArgs(call.args) : null;
    } catch {
      canonical = null;
    }
    if (canonical === null || tool === "") {
      decision = synth("malformed_args", "the call's arguments are not a JSON object");
    } else if (kernel.killSwitch.engaged) {
      decision = kernel.decide({ agent, stage: "pre_tool", context: {} });
    } else {
      const budget = budgetDenial(tool);
      if (budget !== null) {
        decision = budget.decision;
        terminate = budget.terminate;
      } else {
        const args = call.args as Record<string, unknown>;
        const context = {
          tool: { name: tool },
          args,
          action: { type: tool },
          run: { id: ref.rolloutId, step: calls },
          rl: rlContext,
          episode: { calls, calls_by_tool: callsByToolView, denied_streak: deniedStreak, tokens, elapsed_ms: clock() - startedAt },
          facets: computeFacets(tool, args, config),
        };
        decision = kernel.decide({ agent, stage: "pre_tool", context });
        if (decision.allowed && !allow.has(tool)) decision = synth("phase_not_allowed", `tool '${tool}' is not allowed in phase '${phase.name}'`);
      }
    }
    let severity: Severity | null = severityOf(decision, config.defaultSeverity);
    if (decision.allowed && severity === null) severity = shadowSeverity(decision, config.defaultSeverity);
    if (decision.code === "internal_error") guardErrors++;
    if (decision.code === "kill_switch") terminate = true;
    if (severity !== null && config.shaping.terminateOn.includes(severity)) terminate = true;
    let ok = decision.allowed;
    deniedStreak = ok ? 0 : deniedStreak + 1;

    // Built as one literal (no spread of a shared base, no fields added afterwards): this is the per-call hot path.
    const summary = sharedSummary(decision);
    const outcome = ok ? OUTCOMES.permitted : OUTCOMES.denied;
    const ext = gateExt(severity, terminate);
    const entry: AuditEntry = canonical === null
      ? { agent, run_id: ref.rolloutId, policy_digest: digest, kind: "decision", stage: "pre_tool", tool, action: tool, call_id: callId, decision: summary, outcome, ext }
      : {
          agent, run_id: ref.rolloutId, policy_digest: digest, kind: "decision", stage: "pre_tool", tool, action: tool, call_id: callId, decision: summary, outcome, ext,
          args_digest: canonicalArgsDigest(canonical), args: loggedArgs(call.args, decision.transform?.redact, canonical),
        };
    if (!append(entry)) {
      ok = false;
      terminate = true;
      decision = synth("audit_unavailable", "the episode log cannot take the record, so the call is denied", decision);
    }
    if (ok) permitted.add(callId);
    if (terminate) abort(`terminated by ${decision.code}: ${decision.reason}`);
    return { decision, severity, permitted: ok, terminate, observation: ok ? null : refusal(decision) };
  };

  // The fields of the reward record fixed at the start are rendered into its signed text's segments once.
  const rewardText = rewardTextWriter({
    run_id: ref.runId, rollout_id: ref.rolloutId, attempt_id: ref.attemptId, mode: ref.mode, epoch: start.epoch, phase: phase.name,
    policy_version: phase.policyVersion, penalty_scale: start.penaltyScale, audit: start.audit, nonce: start.nonce, keyid: signer.keyid,
  });

  const finish = (o: { base: number | Record<string, number>; primary?: string; artifactDigest?: string }): Promise<RewardRecordV1> => {
    if (finished) return Promise.reject(rlError("RL_INVALID_STATE", "the episode is already finished"));
    finished = true;
    end();
    const bases: Record<string, number> = typeof o.base === "number" ? { task: o.base } : { ...o.base };
    const primary = o.primary ?? (typeof o.base === "number" ? "task" : Object.keys(bases)[0] ?? "task");
    const b = bases[primary];
    if (b === undefined || !Object.values(bases).every(Number.isFinite)) return Promise.reject(rlError("RL_INVALID_STATE", `base reward '${primary}' is missing or not finite`));
    const killed = kernel.killSwitch.engaged || logFailed;
    const outcomeExt: Record<string, unknown> = { base: bases, primary, killed };
    if (o.artifactDigest !== undefined) outcomeExt.artifact_digest = o.artifactDigest;
    append({ agent, run_id: ref.rolloutId, policy_digest: digest, kind: "decision", stage: "output", action: RL_ACTIONS.outcome, decision: META_DECISION, ext: { rl: outcomeExt } });
    const facts = factsReader.result();
    const head = log.head();
    const reason: RewardReason = killed || isFactsProblem(facts) ? "killed" : "shaped";
    const shaped = isFactsProblem(facts) || killed
      ? { penalty: 0, bonus: 0, final: config.signing.integrityFloor, excluded: false }
      : shapeReward(config.shaping, { base: b, severities: facts.severities, scale: start.penaltyScale, mode: ref.mode });
    const violations = isFactsProblem(facts) ? { critical: 0, high: 0, medium: 0, low: 0 } : facts.violations;
    const final: FinalRewardFields = {
      base: bases, primary, penalty: shaped.penalty, bonus: shaped.bonus, final: shaped.final, reason,
      violations, blocked: isFactsProblem(facts) ? 0 : facts.blocked, terminated: isFactsProblem(facts) ? true : facts.terminated,
      excluded: shaped.excluded, chain: { head: head.hash, len: head.seq }, issued_at: isoTimeOf(clock()),
    };
    const record = completeWithSignature({
      v: 1, _type: "agentgov/rl/reward/v1", run_id: ref.runId, rollout_id: ref.rolloutId, attempt_id: ref.attemptId, mode: ref.mode,
      epoch: start.epoch, phase: phase.name, policy_version: phase.policyVersion, penalty_scale: start.penaltyScale,
      base: final.base, primary, penalty: final.penalty, bonus: final.bonus, final: final.final, reason,
      violations, blocked: final.blocked, terminated: final.terminated,
      excluded: final.excluded, audit: start.audit, chain: final.chain, nonce: start.nonce,
      issued_at: final.issued_at, keyid: signer.keyid,
    }, signer, rewardText(final));
    return Promise.resolve(record);
  };

  const onAbort = (): void => {
    end();
  };
  controller.signal.addEventListener("abort", onAbort, { once: true });

  return {
    ref: Object.freeze({ ...ref }),
    signal: controller.signal,
    log,
    nonce: start.nonce,
    audit: start.audit,
    phase: phase.name,
    policyVersion: phase.policyVersion,
    exposedTools: (tools) => tools.filter((t) => allow.has(t.function.name)),
    gate,
    recordResult(callId, result) {
      if (!permitted.has(callId)) {
        append({ ...base, kind: "outcome", stage: "post_tool", call_id: callId, decision: { ...META_DECISION, allowed: false, action: "deny", code: "internal_error" }, outcome: { status: result.ok ? "ok" : "error" } });
        abort("a call that was not permitted was executed");
        throw rlError("RL_EXECUTED_AFTER_DENY", `call '${callId}' was not permitted but reported a result`);
      }
      permitted.delete(callId);
      append({
        agent, run_id: ref.rolloutId, policy_digest: digest, kind: "outcome", stage: "post_tool", call_id: callId,
        decision: RESULT_DECISION,
        outcome: result.ok ? OUTCOMES.ok : OUTCOMES.error,
      });
    },
    recordModelCall(usage) {
      const p = finiteOr0(usage.prompt_tokens);
      const c = finiteOr0(usage.completion_tokens);
      const usd = finiteOr0(usage.cost_usd);
      modelCalls++;
      tokens += p + c;
      cost += usd;
      append(withExt({ ...base, kind: "decision", stage: "input", action: RL_ACTIONS.modelCall, decision: META_DECISION }, { rl: { prompt_tokens: p, completion_tokens: c, cost_usd: usd } }));
      const over = modelBudgetDenial();
      if (over !== null) abort(over.decision.reason);
      const decision = over?.decision ?? { ...META_DECISION, action: "allow" as const, policy_digest: phase.engine.digest };
      return { decision, severity: null, permitted: over === null, terminate: over !== null, observation: null };
    },
    finish,
    cancel(reason) {
      if (finished) return;
      finished = true;
      abort(`cancelled: ${reason}`);
      end();
    },
    get guardErrors() {
      return guardErrors;
    },
  };
}

/** In shadow mode a permitted call may still be a would-be violation. */
function shadowSeverity(decision: Decision, fallback: Severity): Severity | null {
  const hit = decision.shadow?.find((s) => !s.allowed);
  return hit === undefined ? null : (severityOf(hit, fallback) ?? fallback);
}

/** The logged decision; keys in canonical order where possible, so serialising it sorts nothing. */
export function summarize(d: Decision): AuditEntry["decision"] {
  const out: AuditEntry["decision"] = { action: d.action, allowed: d.allowed, code: d.code, matched_rule: d.matched_rule, policy: d.policy, reason: d.reason };
  if (d.severity !== undefined) out.severity = d.severity;
  if (d.rate_limited === true) out.rate_limited = true;
  if (d.errors !== undefined) out.errors = d.errors;
  if (d.shadow !== undefined) out.shadow = d.shadow;
  return out;
}

/**
 * Frozen summaries of the plain decisions seen (a rule decides the same way call after call),
 * by reason; each list holds the summaries with that reason. Bounded: cleared when full.
 */
const SUMMARIES = new Map<string, AuditEntry["decision"][]>();
let summaryCount = 0;
const MAX_SUMMARIES = 1024;
/** Longest `reason` whose summary is kept (longer ones are summarised afresh). */
const MAX_SUMMARY_REASON = 512;
/** Most summaries kept for one reason (further ones are summarised afresh): bounds the scan. */
const MAX_SUMMARIES_PER_REASON = 16;

/** True when `s` is the summary of `d` (every summarised field equal; `reason` was the lookup key). */
function summarizes(s: AuditEntry["decision"], d: Decision): boolean {
  return s.action === d.action && s.allowed === d.allowed && s.code === d.code && s.matched_rule === d.matched_rule && s.policy === d.policy &&
    s.severity === d.severity && (s.rate_limited === true) === (d.rate_limited === true);
}

/**
 * {@link summarize}, shared and frozen for a decision without `errors` or `shadow`: the same
 * object for the same fields, so its canonical text is computed once (core caches the text of
 * frozen values). Anything else gets a fresh summary. Looked up by `reason` (a rule's reason
 * is the same string call after call) and matched field by field, with no key text to build.
 */
export function sharedSummary(d: Decision): AuditEntry["decision"] {
  const reason = d.reason;
  if (d.errors !== undefined || d.shadow !== undefined || typeof d.allowed !== "boolean" || typeof reason !== "string" || reason.length > MAX_SUMMARY_REASON) return summarize(d);
  let list = SUMMARIES.get(reason);
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as AuditEntry["decision"];
      if (summarizes(s, d)) return s;
    }
  }
  if (list !== undefined && list.length >= MAX_SUMMARIES_PER_REASON) return summarize(d);
  const shared = Object.freeze(summarize(d));
  if (summaryCount >= MAX_SUMMARIES) {
    SUMMARIES.clear();
    summaryCount = 0;
    list = undefined;
  }
  if (list === undefined) SUMMARIES.set(reason, [shared]);
  else list.push(shared);
  summaryCount++;
  return shared;
}

function finiteOr0(v: number | undefined): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
}
