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
 *   `post_tool` rules, so it always asks).
 * - Fail closed: a timeout, a refused connection, a non-2xx answer, an oversized or
 *   malformed answer, a decision that does not validate: each is a deny with a `remote_*`
 *   reason code, counted in `stats.remoteFailures`. Never an allow.
 */
import type { AuditOutcome } from "../audit/types.js";
import { AgentGovError, GovernanceDenied, isAgentGovError } from "../errors.js";
import { createKillSwitch, createQuarantine } from "../guards/kill-switch.js";
import { askApproval } from "../kernel/approval.js";
import { agentIdOf, describeCall } from "../kernel/audit-entry.js";
import { actionDigest, steer } from "../kernel/create-kernel.js";
import { redactOutput } from "../kernel/redact-output.js";
import { applyTransformToArgs } from "../kernel/transform.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS, type EnforceOptions } from "../kernel/types.js";
import type { DecideOptions, Decision, DecisionRequest, ReasonCode } from "../policy/types.js";
import { remoteApprovalHandler } from "./approval-handler.js";
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
  const approvals =
    options.approvals === false ? undefined
    : (options.approvals ?? remoteApprovalHandler({ endpoint: options.endpoint, ...(options.token === undefined ? {} : { token: options.token }), timeoutMs, maxAnswerBytes: maxBytes }));
  const http = createHttpClient(endpoint);
  const channel = createSyncChannel(endpoint, maxBytes);
  const calls = createCallIds();
  const remoteFailures = Object.fromEntries(REMOTE_FAILURE_CODES.map((c) => [c, 0])) as Record<RemoteFailureCode, number>;
  const stats: RemoteKernelStats = { decisions: 0, denied: 0, auditFailuresAllowed: 0, auditFailuresDenied: 0, internalErrors: 0, remoteDecisions: 0, remoteFailures, auditForwarded: 0, auditForwardFailures: 0, auditUnforwarded: 0 };
  let digest = "";
  const audit = remoteAuditSink({ channel, calls, stats, timeoutMs, maxBytes, clock, journal: options.journal });

  const deny = (code: ReasonCode, reason: string, from?: Decision): Decision => ({
    allowed: false,
    action: "deny",
    matched_rule: from?.matched_rule ?? null,
    policy: from?.policy ?? null,
    code,
    reason,
    policy_digest: from?.policy_digest ?? digest,
  });

  /** The local guards (kill switch, quarantine): a denial, or undefined to ask the sidecar. */
  const guard = (request: DecisionRequest): Decision | undefined => {
    if (killSwitch.engaged) return deny("kill_switch", `Kill switch engaged: ${killSwitch.reason}`);
    const agentId = agentIdOf(request);
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

  /**
   * Reports an outcome; a denial when the sidecar did not record it. An approved call the
   * sidecar does not track (it answers UNKNOWN_CALL: its decision record was the
   * `require_approval`, and the approval's consume is its record) is counted as unforwarded.
   */
  const report = async (serverId: string | undefined, outcome: AuditOutcome, from: Decision, approved: boolean): Promise<Decision | null> => {
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
      if (approved && failure.serverCode === "UNKNOWN_CALL") {
        stats.auditUnforwarded++;
        return null;
      }
      stats.auditForwardFailures++;
      stats.auditFailuresDenied++;
      return deny("audit_unavailable", `The sidecar did not record the outcome, so the output is withheld (${failure.code}): ${failure.message}`, from);
    }
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
        const outcome = await askApproval(approvals, { request, decision, actionDigest: actionDigest(call, decision.policy_digest), approvers: decision.approvers ?? [], quorum: decision.quorum ?? 1 }, approvalTimeoutMs);
        if (outcome.approved) {
          approval = outcome.approvers;
          const by = approval.length === 0 ? "the approval handler" : approval.join(", ");
          decision = { ...decision, reason: `${decision.reason} (approved by ${by}${outcome.note === undefined ? "" : `: ${outcome.note}`})` };
        } else decision = deny(outcome.code, outcome.reason, decision);
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
        await report(serverId, { status: "error", duration_ms: clock() - started, error: { name: errorName(toolError), message: messageOf(toolError) } }, decision, approved);
        throw new ToolFailure(toolError);
      }
      const duration = clock() - started;
      // The sidecar's policies may check outputs; only it knows, so it is always asked.
      const post = call.stage === "pre_tool" ? (await decideRemote({ agent: request.agent, stage: "post_tool", context: { ...request.context, args, output } }, undefined, false)).decision : undefined;
      // A post_tool default never withholds an output the pre_tool decision let run (docs/policy.md).
      const blocking = post !== undefined && !post.allowed && post.code !== "default";
      const refused = await report(serverId, { status: "ok", duration_ms: duration }, post ?? decision, approved);
      if (refused !== null) throw new GovernanceDenied(refused);
      if (blocking) throw new GovernanceDenied(post);
      let result: unknown = output;
      if (post?.action === "transform") result = redactOutput(result, post.transform?.redact);
      if (decision.action === "transform") result = redactOutput(result, decision.transform?.redact);
      for (const d of [decision, post]) {
        if (d?.action === "steer") result = steer(result, d.reason, enforceOptions.onSteer);
      }
      return result as T;
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
