/**
 * `@agentgov/server`: the governance engine — an HTTP decision point for sidecar
 * deployments, on the `@agentgov/core` kernel.
 *
 * @example
 * const server = createGovernanceServer({ policies: "policies", dataDir: "/var/lib/agentgov" });
 * await server.listen(8080, "127.0.0.1");
 */
export {
  createGovernanceServer,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_POLICY_DIR,
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_PAGE_SIZE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
} from "./server.js";
export type { GovernanceServer, GovernanceServerOptions } from "./server.js";
export { serveCommand } from "./serve-command.js";
export type { ServeIo } from "./serve-command.js";
export { ServerError } from "./errors.js";
export type { ServerErrorCode } from "./errors.js";
export type { AuditStore, AuditQuery, AuditPage, AuditStoreState } from "./audit-store.js";
export { jsonlAuditStore, AUDIT_FILE, AUDIT_KEY_FILE, AUDIT_PUBLIC_KEY_FILE } from "./jsonl-store.js";
export type { JsonlAuditStoreOptions } from "./jsonl-store.js";
export { issueToken, readTokens, tokenDigest, SCOPES, TOKENS_FILE } from "./tokens.js";
export type { Scope, StoredToken, IssueTokenOptions } from "./tokens.js";
export { AGENTS_FILE } from "./agent-controls.js";
export type { PolicySetStatus, ReloadFailure } from "./policy-set.js";
export { defaultDataDir } from "./data-dir.js";
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_JSON_DEPTH } from "./json-body.js";
export type { DecisionAnswer } from "./decide-route.js";
export {
  createApprovalStore,
  DEFAULT_MAX_APPROVAL_MS,
  DEFAULT_MAX_FINISHED_APPROVALS,
  DEFAULT_MAX_PENDING_APPROVALS,
  MAX_APPROVAL_WAIT_MS,
} from "./approval-store.js";
export type { Approval, ApprovalEvent, ApprovalInput, ApprovalStatus, ApprovalStore, ApprovalStoreOptions, ApprovalVote } from "./approval-store.js";
export { storeApprovalHandler } from "./approval-handler.js";
export type { StoreApprovalHandlerOptions } from "./approval-handler.js";
export { approvalAuditEntry, recordApprovalsTo, APPROVAL_AUDIT_TOOL } from "./approval-audit.js";
export { actionDigestOf } from "./action-digest.js";
export {
  sqliteAudit,
  sqliteAuditStore,
  verifySqliteAudit,
  AUDIT_DB_FILE,
  DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
  DEFAULT_SQLITE_FLUSH_INTERVAL_MS,
  DEFAULT_SQLITE_MAX_BUFFERED_RECORDS,
  SQLITE_AUDIT_SCHEMA_VERSION,
} from "./sqlite-audit/index.js";
export type { SqliteAuditSink, SqliteAuditOptions, SqliteAuditState, SqliteAuditStoreOptions, SqliteSynchronous, VerifySqliteAuditOptions } from "./sqlite-audit/index.js";
