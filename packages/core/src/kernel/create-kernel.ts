/**
 * `createKernel`: guards and policies behind one synchronous `decide`, and the
 * enforcement path (`enforce`) that audits before anything runs and fails closed.
 */
import { randomUUID } from "node:crypto";
import { memoryAudit } from "../audit/index.js";
import type { AuditEntry, AuditOutcome } from "../audit/types.js";
import { AgentGovError, GovernanceDenied, isAgentGovError } from "../errors.js";
import { createKillSwitch, createQuarantine } from "../guards/kill-switch.js";
import { checkPluginGrant, type PluginGrant, type PluginRoots } from "../guards/plugin-grant.js";
import { canonicalJson } from "../internal/canonical-json.js";
import { sha256Hex } from "../internal/sha256.js";
import { createPolicyEngine, type PolicyEngine, type PolicyEngineOptions } from "../policy/engine.js";
import type { DecideOptions, Decision, DecisionRequest, ReasonCode } from "../policy/types.js";
import { askApproval } from "./approval.js";
import { agentIdOf, baseEntry, type CallInfo, describeCall, isObject, summarizeDecision } from "./audit-entry.js";
import { denyDecision } from "./deny-decision.js";
import { governedOutput, postToolWithholds } from "./governed-output.js";
import { applyTransformToArgs } from "./transform.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS, type EnforceOptions, type Kernel, type KernelOptions, type KernelStats } from "./types.js";

/** Builds a kernel. Throws `PolicyLoadError` when a policy does not load (nothing partially loads). */
export function createKernel(options: KernelOptions = {}): Kernel {
  const clock = options.clock ?? Date.now;
  const engine: PolicyEngine = options.engine ?? createPolicyEngine(engineOptions(options, clock));
  const audit = options.audit ?? memoryAudit({ clock });
  const killSwitch = options.killSwitch ?? createKillSwitch();
  const quarantine = options.quarantine ?? createQuarantine();
  const auditFailure = options.auditFailure ?? "deny";
  const argsMode = options.auditArgs ?? "redacted";
  const approvalTimeoutMs = options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  if (!(Number.isFinite(approvalTimeoutMs) && approvalTimeoutMs > 0)) throw new AgentGovError("INVALID_OPTIONS", "approvalTimeoutMs must be a positive number of milliseconds");
  const pluginRoots = (grant: unknown): PluginRoots => {
    const roots = options.pluginRoots;
    return typeof roots === "function" ? roots(grant as PluginGrant) : (roots ?? {});
  };
  const stats: KernelStats = { decisions: 0, denied: 0, auditFailuresAllowed: 0, auditFailuresDenied: 0, internalErrors: 0 };

  const deny = (code: ReasonCode, reason: string, from?: Decision): Decision => denyDecision(code, reason, engine.digest, from);

  const decide = (request: DecisionRequest, decideOptions?: DecideOptions): Decision => {
    try {
      if (killSwitch.engaged) return deny("kill_switch", `Kill switch engaged: ${killSwitch.reason}`);
      const agentId = agentIdOf(request);
      const killed = agentId === undefined ? undefined : killSwitch.reasonFor?.(agentId);
      if (killed !== undefined) return deny("kill_switch", `Agent '${String(agentId)}' is killed: ${killed}`);
      const held = agentId === undefined ? undefined : quarantine.reasonFor(agentId);
      if (held !== undefined) return deny("quarantined", `Agent '${String(agentId)}' is quarantined: ${held}`);
      const context: unknown = isObject(request) ? request.context : undefined;
      if (isObject(context) && Object.hasOwn(context, "plugin")) {
        const exceeded = checkPluginGrant(context, pluginRoots(context.plugin));
        if (exceeded !== null) return deny("capability_exceeded", `Outside the plugin's grant: ${exceeded}`);
      }
      return engine.decide(request, decideOptions);
    } catch (error) {
      stats.internalErrors++;
      return deny("internal_error", `Internal error while deciding: ${message(error)}`);
    }
  };

  /** Appends an entry; returns a denial when the sink refused it and the deployment does not relax that. */
  const record = (entry: AuditEntry, from: Decision): Decision | null => {
    try {
      audit.append(entry);
      return null;
    } catch (error) {
      if (auditFailure === "allow_and_count") {
        stats.auditFailuresAllowed++;
        return null;
      }
      stats.auditFailuresDenied++;
      return deny("audit_unavailable", `The audit log cannot take the record, so the call is denied: ${message(error)}`, from);
    }
  };

  const enforce = async <T>(request: DecisionRequest, run: (args: unknown) => T | Promise<T>, enforceOptions: EnforceOptions = {}): Promise<T> => {
    stats.decisions++;
    try {
      const call = describeCall(request, enforceOptions.callId);
      let decision = decide(request);
      let approval: string[] | undefined;
      if (decision.action === "require_approval" && decision.code === "rule") {
        const outcome = await askApproval(options.approvals, { request, decision, actionDigest: actionDigest(call, engine.digest), approvers: decision.approvers ?? [], quorum: decision.quorum ?? 1 }, approvalTimeoutMs);
        if (outcome.approved) {
          approval = outcome.approvers;
          const by = approval.length === 0 ? "the approval handler" : approval.join(", ");
          decision = { ...decision, reason: `${decision.reason} (approved by ${by}${outcome.note === undefined ? "" : `: ${outcome.note}`})` };
        } else decision = deny(outcome.code, outcome.reason, decision);
      }
      const proceed = decision.allowed || approval !== undefined;
      let args = call.args;
      if (proceed && decision.action === "transform") args = applyTransformToArgs(args, decision.transform);
      let base: Omit<AuditEntry, "kind">;
      try {
        base = baseEntry(call, decision, engine.digest, argsMode);
      } catch (error) {
        if (!isAgentGovError(error) || error.code !== "INVALID_REQUEST") throw error;
        throw new GovernanceDenied(deny("invalid_request", `The arguments cannot be recorded (${error.message}); the call is denied`, decision));
      }
      const { args: _recordedArgs, args_digest: _argsDigest, ...outcomeBase } = base;
      const refused = record({ ...base, kind: "decision", outcome: { status: proceed ? "pending" : "denied" } }, decision);
      if (refused !== null) throw new GovernanceDenied(refused);
      if (!proceed) throw new GovernanceDenied(decision);

      const started = clock();
      let output: T;
      try {
        output = await run(args);
      } catch (toolError) {
        const outcome: AuditOutcome = { status: "error", duration_ms: clock() - started, error: { name: errorName(toolError), message: message(toolError) } };
        // The tool's error is rethrown unchanged; a refused outcome record is counted by record().
        record({ ...outcomeBase, kind: "outcome", outcome }, decision);
        throw new ToolFailure(toolError);
      }
      const duration = clock() - started;
      let post: Decision | undefined;
      // The output check follows a tool call; other stages (input, output, handoff) have none.
      if (call.stage === "pre_tool" && engine.hasRulesFor("post_tool")) {
        post = decide({ agent: request.agent, stage: "post_tool", context: { ...request.context, args, output } });
      }
      const outcomeEntry: AuditEntry = { ...outcomeBase, kind: "outcome", outcome: { status: "ok", duration_ms: duration } };
      if (post !== undefined) {
        outcomeEntry.decision = summarizeDecision(post);
        outcomeEntry.stage = "post_tool";
      }
      const refusedOutcome = record(outcomeEntry, post ?? decision);
      if (refusedOutcome !== null) throw new GovernanceDenied(refusedOutcome);
      if (postToolWithholds(post)) throw new GovernanceDenied(post);
      return governedOutput(output, decision, post, enforceOptions.onSteer) as T;
    } catch (error) {
      if (error instanceof ToolFailure) throw error.original;
      if (error instanceof GovernanceDenied) {
        stats.denied++;
        throw error;
      }
      stats.internalErrors++;
      stats.denied++;
      const denial = deny("internal_error", `Internal error while enforcing: ${message(error)}`);
      recordInternalError(request, denial, enforceOptions.callId);
      throw new GovernanceDenied(denial);
    }
  };

  /** Best effort: records an internal-error denial (the fault may be the audit itself, so a refusal is only counted). */
  const recordInternalError = (request: DecisionRequest, denial: Decision, callId: string | undefined): void => {
    try {
      let call: Pick<CallInfo, "agent" | "stage" | "callId" | "tool">;
      try {
        call = describeCall(request, callId);
      } catch {
        // The request itself may be what failed (a hostile getter): record what is certain.
        call = { agent: "", stage: "pre_tool", callId: callId ?? randomUUID() };
      }
      const entry: AuditEntry = { kind: "decision", agent: call.agent, stage: call.stage, call_id: call.callId, decision: summarizeDecision(denial), policy_digest: engine.digest, outcome: { status: "denied" } };
      if (call.tool !== undefined) entry.tool = call.tool;
      audit.append(entry);
    } catch {
      stats.auditFailuresDenied++;
    }
  };

  return {
    decide,
    enforce,
    get digest() {
      return engine.digest;
    },
    audit,
    killSwitch,
    quarantine,
    stats,
    close: () => audit.close(),
  };
}

/** Carries the tool's own error through the enforcement path, to be rethrown unchanged. */
class ToolFailure extends Error {
  constructor(readonly original: unknown) {
    super("tool failed");
  }
}

function engineOptions(options: KernelOptions, clock: () => number): PolicyEngineOptions {
  const out: PolicyEngineOptions = { policies: options.policies ?? [], clock };
  if (options.strategy !== undefined) out.strategy = options.strategy;
  if (options.rateLimiter !== undefined) out.rateLimiter = options.rateLimiter;
  if (options.cwd !== undefined) out.cwd = options.cwd;
  return out;
}

/** Digest binding an approval to the exact action (agent, tool, canonical arguments, policy digest). */
export function actionDigest(call: CallInfo, policyDigest: string): string {
  return sha256Hex(canonicalJson({ agent: call.agent, tool: call.tool ?? null, args: call.args ?? null, policy_digest: policyDigest }));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
