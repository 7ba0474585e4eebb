/**
 * `@agentgov/core/audit`: the tamper-evident audit log.
 *
 * Records are hash-chained (`hash = sha256(canonicalJson(record without hash))`, `prev` =
 * the previous record's hash, or the log's genesis for seq 1) and periodically
 * checkpointed with Ed25519 signatures; see format.ts for the on-disk format.
 *
 * @example
 * ```ts
 * const keys = generateAuditKeyPair();
 * const audit = jsonlAudit("audit/agent.jsonl", { signingKey: keys.privateKey });
 * // … the kernel calls audit.append(entry) for every decision …
 * await audit.close();
 * const result = await verifyAudit("audit/agent.jsonl", { publicKey: keys.publicKey });
 * ```
 */
export type {
  AuditCheckpoint,
  AuditDecision,
  AuditEntry,
  AuditHead,
  AuditHeader,
  AuditLogItem,
  AuditOutcome,
  AuditRecord,
  AuditSink,
} from "./types.js";
export { DEFAULT_CHECKPOINT_EVERY } from "./chain.js";
export { digestArgs } from "./digest.js";
export { AUDIT_FORMAT_VERSION } from "./format.js";
export {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_BUFFERED_RECORDS,
  jsonlAudit,
  type JsonlAuditOptions,
  type JsonlAuditSink,
  type JsonlAuditState,
} from "./jsonl-sink.js";
export { generateAuditKeyPair, type AuditKeyPair } from "./keys.js";
export { memoryAudit, MEMORY_FIRST_CHUNK_BYTES, type MemoryAuditOptions, type MemoryAuditSink } from "./memory-sink.js";
export { canonicalJson } from "../internal/canonical-json.js";
export { importEd25519PublicKey } from "./public-key.js";
export type { AuditSinkOptions } from "./options.js";
export {
  AUDIT_VERIFY_REASONS,
  verifyAudit,
  verifyAuditSync,
  type AuditVerifyError,
  type AuditVerifyReason,
  type AuditVerifyResult,
  type VerifyAuditOptions,
} from "./verify.js";
