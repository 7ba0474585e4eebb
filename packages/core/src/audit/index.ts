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
export { canonicalArgs, canonicalArgsDigest, isCanonicalArgs, type CanonicalArgs } from "./canonical-args.js";
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
export { memoryAudit, type MemoryAuditOptions, type MemoryAuditSink } from "./memory-sink.js";
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
/**
 * Building blocks for other durable stores (the governance server's SQLite store uses
 * them): the chain every sink shares (sequencing, hashing, checkpoints) and its line
 * store contract, the header, the stored record line, the shared option resolution, and
 * the streaming verifier with its verdict — so another store writes byte-identical
 * records and verifies them by the same rules, line by line, without a file.
 */
export { AuditChain, type ChainState, type LineStore } from "./chain.js";
export { checkHeader, createHeader, headerLine } from "./header.js";
export { readRecordLineFast, recordLine, type RecordLink } from "./record.js";
export { resolveSinkOptions, type ResolvedSinkOptions } from "./options.js";
export { Verifier, verdict, type VerifierSetup, type VerifierState } from "./verifier.js";
export { keyIdOf, toPublicKey, type AuditSigner } from "./keys.js";
