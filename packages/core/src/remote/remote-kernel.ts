/**
 * `remoteKernel`: the Kernel contract over HTTP, against a governance sidecar
 * (`agentgov serve`), so every adapter works against a sidecar unchanged.
 *
 * - `decide` is synchronous (the contract): a round trip through a worker thread while
 *   the caller waits in `Atomics.wait` (sync-channel.ts). `decideAsync` and `enforce` use
 *   an asynchronous keep-alive client on the calling thread, so the main path never blocks.
 * - The sidecar writes each decision record before it answers (write-ahead); `enforce`
 *   reports the tool's outcome (`POST /v1/outcome`) and asks the sidecar the `post_tool`
 *   question about the output (it cannot know locally whether the sidecar's policies have
 *   `post_tool` rules, so it always asks). As in `createKernel`, a `post_tool` answer taken
 *   by default (code `default`: no `post_tool` rule matched) does not withhold the output;
 *   every other answer that is not an allow does (a rule's deny, a kill, a failed round
 *   trip), and the output is never returned.
 * - Approvals through the sidecar name the call (`call_id`): the sidecar records the
 *   approval's result under it and takes the tool's outcome like any allowed call's. An
 *   approval from another handler is recorded through `POST /v1/audit/events`.
 * - Fail closed: a timeout, a refused connection, a non-2xx answer, an oversized or
 *   malformed answer, a decision that does not validate: each is a deny with a `remote_*`
 *   reason code, counted in `stats.remoteFailures`. Never an allow.
 */
import type { AuditEntry, AuditOutcome } from "../audit/types.js";
import { AgentGovError, GovernanceDenied, isAgentGovError } from "../errors.js";
import { createKillSwitch, createQuarantine } from "../guards/kill-switch.js";
import { askApproval } from "../kernel/approval.js";
import { agentIdOf, describeCall, summarizeDecision, type CallInfo } from "../kernel/audit-entry.js";
import { actionDigest } from "../kernel/create-kernel.js";
import { denyDecision } from "../kernel/deny-decision.js";
import { governedOutput, postToolWithholds } from "../kernel/governed-output.js";
import { applyTransformToArgs } from "../kernel/transform.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS, type ApprovalHandler, type EnforceOptions } from "../kernel/types.js";
import type { DecideOptions, Decision, DecisionRequest, ReasonCode } from "../policy/types.js";
import { remoteApprovals } from "./approval-handler.js";
import { createCallIds } from "./call-ids.js";
import { parseEndpoint } from "./endpoint.js";
import { asRemoteFailure, REMOTE_FAILURE_CODES, RemoteFailure, statusFailure, type RemoteFailureCode } from "./failure.js";
import { createHttpClient, type HttpAnswer, type HttpCall } from "./http-client.js";
import { DEFAULT_MAX_ANSWER_BYTES, DEFAULT_REMOTE_TIMEOUT_MS, type RemoteKernel, type RemoteKernelOptions, type RemoteKernelStats } from "./options.js";
import { outcomeBody, outcomeCall, parseOutcomeAnswer } from "./outcome.js";
import { parseDecisionAnswer, type RemoteDecision } from "./parse-decision.js";
import { remoteAuditSink } from "./remote-audit.js";
import { createSyncChannel } from "./sync-channel.js";

/** The path of the decision route. */
export const DECIDE_PATH = "/v1/decide";

/**
 * A kernel whose decisions and audit live in the governance sidecar at `endpoint`.
 * Throws `INVALID_OPTIONS` for a bad endpoint, token or limit; never contacts the sidecar
 * before the first decision.
 *
 * @example const kernel = remoteKernel({ endpoint: "http://127.0.0.1:8080", token: process.env.AGENTGOV_TOKEN });
 */
export function remoteKernel(options: RemoteKernelOptions): RemoteKernel {
  const endpoint = parseEndpoint(options.endpoint, options.token);
  const timeoutMs = positive(options.timeoutMs, DEFAULT_REMOTE_TIMEOUT_MS, "timeoutMs");
  const maxBytes = positive(options.maxAnswerBytes, DEFAULT_MAX_ANSWER_BYTES, "maxAnswerBytes");
  const approvalTimeoutMs = positive(options.approvalTimeoutMs, DEFAULT_APPROVAL_TIMEOUT_MS, "approvalTimeoutMs");
  const clock = options.clock ?? Date.now;
  const killSwitch = options.killSwitch ?? createKillSwitch();
  const quarantine = options.quarantine ?? createQuarantine();
  // The sidecar's approvals (default) name each call; another handler is asked as it is.
  const sidecarApprovals = options.approvals === undefined ? remoteApprovals({ endpoint: options.endpoint, ...(options.token === undefined ? {} : { token: options.token }), timeoutMs, maxAnswerBytes: maxBytes }) : undefined;
  const approvalsFor = (serverId: string | undefined): ApprovalHandler | undefined => (options.approvals === false ? undefined : (sidecarApprovals?.handlerFor(serverId) ?? options.approvals));
  const http = createHttpClient(endpoint);
  const channel = createSyncChannel(endpoint, maxBytes);
  const calls = createCallIds();
  const remoteFailures = Object.fromEntries(REMOTE_FAILURE_CODES.map((c) => [c, 0])) as Record<RemoteFailureCode, number>;
  const stats: RemoteKernelStats = {
    decisions: 0, denied: 0, auditFailuresAllowed: 0, auditFailuresDenied: 0, internalErrors: 0, remoteDecisions: 0, remoteFailures, auditForwarded: 0, auditForwardFailures: 0, auditEvents: 0, auditUnforwarded: 0,
    get approvalWithdrawFailures() {
      return sidecarApprovals?.withdrawFailures ?? 0;
    },
  };
  let digest = "";
  const audit = remoteAuditSink({ channel, calls, stats, timeoutMs, maxBytes, clock, journal: options.journal }, (call) => http.request(call));

  const deny = (code: ReasonCode, reason: string, from?: Decision): Decision => denyDecision(code, reason, from?.policy_digest ?? digest, from);

  /** The local guards (kill switch, quarantine): a denial, or undefined to ask the sidecar. */
  const guard = (request: DecisionRequest): Decision | undefined => {
    if (killSwitch.engaged) return deny("kill_switch", `Kill switch engaged: ${killSwitch.reason}`);
    const agentId = agentIdOf(request);
    const killed = agentId === undefined ? undefined : killSwitch.reasonFor?.(agentId);
    if (killed !== undefined) return deny("kill_switch", `Agent '${agentId ?? ""}' is killed: ${killed}`);
    const held = agentId === undefined ? undefined : quarantine.reasonFor(agentId);
    return held === undefined ? undefined : deny("quarantined", `Agent '${agentId ?? ""}' is quarantined: ${held}`);
  };

  const decideCall = (request: DecisionRequest, decideOptions: DecideOptions | undefined): HttpCall => {
    const query = [decideOptions?.explain === true ? "explain=true" : "", decideOptions?.dryRun === true ? "dryRun=true" : ""].filter((q) => q !== "").join("&");
    let body: string;
    try {
      body = JSON.stringify(request);
    } catch (error) {
      throw new AgentGovError("INVALID_REQUEST", `the request cannot be sent as JSON: ${messageOf(error)}`);
    }
    return { method: "POST", path: query === "" ? DECIDE_PATH : `${DECIDE_PATH}?${query}`, body, timeoutMs, maxBytes };
  };

  /** Reads an answer; `remember`: a decision an adapter may record next (not enforce's own, not a dry run). */
  const received = (request: DecisionRequest, answer: HttpAnswer, remember: boolean): RemoteDecision => {
    if (answer.status < 200 || answer.status > 299) throw statusFailure(answer.status, answer.text);
    const remote = parseDecisionAnswer(answer.text);
    stats.remoteDecisions++;
    digest = remote.decision.policy_digest;
    if (remember) calls.decided(request, remote.callId);
    return remote;
  };

  /** Any failure of deciding as a deny: remote_* (counted), invalid_request, or internal_error. */
  const failed = (error: unknown): Decision => {
    if (error instanceof RemoteFailure) {
      stats.remoteFailures[error.code]++;
      return deny(error.code, `The governance sidecar gave no decision, so the call is denied: ${error.message}`);
    }
    if (isAgentGovError(error) && error.code === "INVALID_REQUEST") return deny("invalid_request", `The request cannot be decided: ${error.message}`);
    stats.internalErrors++;
    return deny("internal_error", `Internal error while deciding remotely: ${messageOf(error)}`);
  };

  const decide = (request: DecisionRequest, decideOptions?: DecideOptions): Decision => {
    try {
      return guard(request) ?? received(request, channel.request(decideCall(request, decideOptions)), decideOptions?.dryRun !== true).decision;
    } catch (error) {
      return failed(error);
    }
  };

  /** Decides without blocking; the sidecar's call id is absent when no sidecar answered. */
  const decideRemote = async (request: DecisionRequest, decideOptions: DecideOptions | undefined, remember: boolean): Promise<{ decision: Decision; callId?: string }> => {
    try {
      const local = guard(request);
      if (local !== undefined) return { decision: local };
      return received(request, await http.request(decideCall(request, decideOptions)), remember && decideOptions?.dryRun !== true);
    } catch (error) {
      return { decision: failed(error) };
    }
  };

  /** A denial `audit_unavailable` for a record the sidecar did not take (counted). */
  const unrecorded = (error: unknown, from: Decision): Decision => {
    stats.auditFailuresDenied++;
    return deny("audit_unavailable", `The sidecar did not record the call, so it is denied: ${messageOf(error)}`, from);
  };

  /**
   * Reports an outcome; a denial when the sidecar did not record it. An outcome
   * `/v1/outcome` does not take (`UNKNOWN_CALL`: an approval from a handler other than
   * the sidecar's, which the sidecar does not track) is recorded as an event.
   */
  const report = async (call: CallInfo, serverId: string | undefined, outcome: AuditOutcome, from: Decision): Promise<Decision | null> => {
    const body = serverId === undefined ? undefined : outcomeBody(serverId, outcome);
    if (body === undefined) {
      stats.auditUnforwarded++;
      return null;
    }
    try {
      audit.saw(parseOutcomeAnswer(await http.request(outcomeCall(body, timeoutMs, maxBytes))));
      stats.auditForwarded++;
      return null;
    } catch (error) {
      const failure = asRemoteFailure(error);
      if (failure.serverCode !== "UNKNOWN_CALL") {
        stats.auditForwardFailures++;
        stats.auditFailuresDenied++;
        return deny("audit_unavailable", `The sidecar did not record the outcome, so the output is withheld (${failure.code}): ${failure.message}`, from);
      }
    }
    try {
      await audit.sendEvent({ ...callEntry(call, serverId, from), kind: "outcome", outcome });
      return null;
    } catch (error) {
      return unrecorded(error, from);
    }
  };

  /** The fields of a call's records, under the sidecar's call id. */
  const callEntry = (call: CallInfo, serverId: string | undefined, decision: Decision): Omit<AuditEntry, "kind"> => {
    const entry: Omit<AuditEntry, "kind"> = { agent: call.agent, stage: call.stage, call_id: serverId ?? call.callId, decision: summarizeDecision(decision), policy_digest: decision.policy_digest };
    if (call.tool !== undefined) entry.tool = call.tool;
    if (call.action !== undefined) entry.action = call.action;
    if (call.runId !== undefined) entry.run_id = call.runId;
    return entry;
  };

  const enforce = async <T>(request: DecisionRequest, run: (args: unknown) => T | Promise<T>, enforceOptions: EnforceOptions = {}): Promise<T> => {
    stats.decisions++;
    try {
      const call = describeCall(request, enforceOptions.callId);
      const first = await decideRemote(request, undefined, false);
      let decision = first.decision;
      const serverId = first.callId;
      if (serverId !== undefined) calls.link(call.callId, serverId);
      let approval: string[] | undefined;
      if (decision.action === "require_approval" && decision.code === "rule") {
        const outcome = await askApproval(approvalsFor(serverId), { request, decision, actionDigest: actionDigest(call, decision.policy_digest), approvers: decision.approvers ?? [], quorum: decision.quorum ?? 1 }, approvalTimeoutMs);
        if (outcome.approved) {
          approval = outcome.approvers;
          const by = approval.length === 0 ? "the approval handler" : approval.join(", ");
          decision = { ...decision, reason: `${decision.reason} (approved by ${by}${outcome.note === undefined ? "" : `: ${outcome.note}`})` };
          if (sidecarApprovals === undefined) {
            // The sidecar recorded pending_approval; the approval came from elsewhere, so its result is recorded here.
            try {
              await audit.sendEvent({ ...callEntry(call, serverId, decision), kind: "decision", outcome: { status: "pending" }, ext: { remote_kernel: { approval: "local_handler", approved_by: approval } } });
            } catch (error) {
              throw new GovernanceDenied(unrecorded(error, decision));
            }
          }
        } else {
          decision = deny(outcome.code, outcome.reason, decision);
          if (sidecarApprovals === undefined && serverId !== undefined) {
            // Best effort (the call is denied either way; a refusal is counted by the sink).
            await audit.sendEvent({ ...callEntry(call, serverId, decision), kind: "decision", outcome: { status: "denied" }, ext: { remote_kernel: { approval: options.approvals === false ? "no_handler" : "local_handler" } } }).catch(() => undefined);
          }
        }
      }
      const approved = approval !== undefined;
      if (!decision.allowed && !approved) throw new GovernanceDenied(decision);
      const args = decision.action === "transform" ? applyTransformToArgs(call.args, decision.transform) : call.args;

      const started = clock();
      let output: T;
      try {
        output = await run(args);
      } catch (toolError) {
        // The tool's error is rethrown unchanged; an outcome the sidecar refused is counted by report().
        await report(call, serverId, { status: "error", duration_ms: clock() - started, error: { name: errorName(toolError), message: messageOf(toolError) } }, decision);
        throw new ToolFailure(toolError);
      }
      const duration = clock() - started;
      // The sidecar's policies may check outputs; only it knows, so it is always asked.
      const post = call.stage === "pre_tool" ? (await decideRemote({ agent: request.agent, stage: "post_tool", context: { ...request.context, args, output } }, undefined, false)).decision : undefined;
      const refused = await report(call, serverId, { status: "ok", duration_ms: duration }, post ?? decision);
      if (refused !== null) throw new GovernanceDenied(refused);
      if (postToolWithholds(post)) throw new GovernanceDenied(post);
      return governedOutput(output, decision, post, enforceOptions.onSteer) as T;
    } catch (error) {
      if (error instanceof ToolFailure) throw error.original;
      stats.denied++;
      if (error instanceof GovernanceDenied) throw error;
      stats.internalErrors++;
      throw new GovernanceDenied(deny("internal_error", `Internal error while enforcing remotely: ${messageOf(error)}`));
    }
  };

  let closing: Promise<void> | undefined;
  return {
    decide,
    decideAsync: async (request, decideOptions) => (await decideRemote(request, decideOptions, true)).decision,
    enforce,
    get digest() {
      return digest;
    },
    audit,
    killSwitch,
    quarantine,
    stats,
    endpoint: endpoint.base,
    serverCallId: (localCallId) => calls.serverId(localCallId),
    close() {
      closing ??= (async () => {
        http.close();
        sidecarApprovals?.close();
        await channel.close();
        await audit.close();
      })();
      return closing;
    },
  };
}

/** Carries the tool's own error through the enforcement path, to be rethrown unchanged. */
class ToolFailure extends Error {
  constructor(readonly original: unknown) {
    super("tool failed");
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(Number.isSafeInteger(v) && v > 0)) throw new AgentGovError("INVALID_OPTIONS", `${name} must be a positive integer, got ${String(value)}`);
  return v;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
