/**
 * `@agentgov/core`: the agentgov kernel.
 *
 * @example
 * const safeTool = govern(myTool, { policy: "policy.yaml", agent: "support-bot" });
 */
export { createKernel } from "./kernel/create-kernel.js";
export { denyDecision } from "./kernel/deny-decision.js";
export { govern, GOVERNED, RESERVED_CONTEXT_KEYS } from "./kernel/govern.js";
export { renderDenial } from "./kernel/render-denial.js";
export { redactOutput, MIN_SCRUB_LENGTH } from "./kernel/redact-output.js";
export { applyTransformToArgs } from "./kernel/transform.js";
export { decisionAuditEntry, summarizeDecision } from "./kernel/audit-entry.js";
export type { GovernOptions, Governed } from "./kernel/govern.js";
export { DEFAULT_APPROVAL_TIMEOUT_MS } from "./kernel/types.js";
export type {
  ApprovalHandler,
  ApprovalRequest,
  ApprovalResult,
  AuditArgsMode,
  AuditFailureMode,
  EnforceOptions,
  Kernel,
  KernelOptions,
  KernelStats,
} from "./kernel/types.js";
export { REDACTED } from "./kernel/paths.js";
export { SECRET_KEY_PATTERN, auditArgs } from "./kernel/audit-args.js";
export { AgentGovError, GovernanceDenied, PolicyLoadError, isAgentGovError, formatPolicyIssue } from "./errors.js";
export type { AgentGovErrorCode, PolicyIssue } from "./errors.js";
export { createPolicyEngine, loadPolicies, STAGES, RULE_ACTIONS, CONFLICT_STRATEGIES } from "./policy/index.js";
export type {
  AgentRef,
  ConflictStrategy,
  DecideOptions,
  Decision,
  DecisionRequest,
  PolicyDocument,
  PolicyEngine,
  PolicySource,
  ReasonCode,
  RuleAction,
  Stage,
} from "./policy/index.js";
export { memoryAudit, jsonlAudit, verifyAudit } from "./audit/index.js";
export type { AuditSink, AuditRecord, AuditEntry } from "./audit/index.js";
export { createKillSwitch, createQuarantine } from "./guards/index.js";
export type { AgentKillSwitch, KillSwitch, Quarantine } from "./guards/index.js";
/** The remote kernel: the same Kernel against a governance sidecar (`agentgov serve`); see docs/server.md, "Remote kernel". */
export {
  remoteKernel,
  remoteApprovalHandler,
  kernelFromEnv,
  DECIDE_PATH,
  APPROVAL_POLL_MS,
  ENDPOINT_VARIABLE,
  TOKEN_VARIABLE,
  TIMEOUT_VARIABLE,
  DEFAULT_REMOTE_TIMEOUT_MS,
  DEFAULT_MAX_ANSWER_BYTES,
  REMOTE_FAILURE_CODES,
} from "./remote/index.js";
export type { RemoteKernel, RemoteKernelOptions, RemoteKernelStats, RemoteApprovalHandlerOptions, KernelFromEnvOptions, RemoteFailureCode } from "./remote/index.js";
