/**
 * Verification of an audit log: recomputes every record hash, follows the chain, checks
 * sequence numbers and checkpoints (and their signatures under a pinned key), and reports
 * the first problem with its seq, line and a stable reason code.
 *
 * Order of checks for a record line: its hash (`hash_mismatch`), then its seq against the
 * previous one (`seq_gap`, `seq_order`), then its `prev` (`chain_break`). Deleting records
 * therefore shows as `seq_gap` at the first record after the hole, swapping them as
 * `seq_gap`/`seq_order`, and a record replaced by a forged one with a plausible seq as
 * `chain_break`. A full rewrite of the chain from some point on is only caught by the
 * checkpoints, and a rewrite of the checkpoints only by their signatures: **without a
 * pinned public key, nothing external is checked** (`signaturesChecked: false`), so
 * truncation is detected only structurally (a missing final checkpoint, or a final
 * checkpoint beyond the records), which an attacker who can edit the file can forge.
 *
 * Files are read in 1 MiB chunks (never whole), line by line; files from 32 MiB on are
 * verified in parallel segments (verify-file.ts). Record lines written by this package take
 * a fast path over their bytes (no decoding, no JSON.parse; see record.ts); other lines are
 * decoded and parsed. The state machine is verifier.ts.
 */
import type { KeyObject } from "node:crypto";
import { AgentGovError } from "../errors.js";
import { keyIdOf, toPublicKey } from "./keys.js";
import type { AuditLogItem } from "./types.js";
import { verifyFile } from "./verify-file.js";
import { verdict, Verifier, type VerifierSetup } from "./verifier.js";

/** Every reason `verifyAudit` can report (stable codes). */
export const AUDIT_VERIFY_REASONS = [
  "malformed_line",
  "bad_header",
  "hash_mismatch",
  "chain_break",
  "seq_gap",
  "seq_order",
  "bad_checkpoint_signature",
  "checkpoint_mismatch",
  "truncated",
  "key_mismatch",
] as const;

/**
 * Why a log failed verification:
 * - `malformed_line`: a line is not JSON, not a known line type, misses fields, or a record
 *   line is not in its canonical stored form;
 * - `bad_header`: the first line is not a valid v1 header (or a header appears later);
 * - `hash_mismatch`: a record's content does not match its hash (it was modified);
 * - `chain_break`: a record's `prev` is not the previous record's hash;
 * - `seq_gap`: a seq is higher than the next expected one (records missing);
 * - `seq_order`: a seq is lower than the next expected one (duplicated or moved record);
 * - `bad_checkpoint_signature`: with a pinned key, a checkpoint is unsigned or its signature does not verify;
 * - `checkpoint_mismatch`: a checkpoint's `{seq, hash}` does not match the record before it;
 * - `truncated`: no final checkpoint at the end (unless `allowOpen`), a final checkpoint
 *   beyond the records, or an incomplete last line;
 * - `key_mismatch`: the pinned key is not the header's `key_id`, or a checkpoint's `key_id` differs from the header's.
 */
export type AuditVerifyReason = (typeof AUDIT_VERIFY_REASONS)[number];

/** The first problem found. */
export interface AuditVerifyError {
  /** The seq of the offending record or checkpoint; null when there is none (header, unparsable line). */
  seq: number | null;
  /** 1-based line number (index + 1 for an array source). */
  line: number;
  reason: AuditVerifyReason;
  /** Human explanation. */
  message: string;
}

/** Options of {@link verifyAudit}. */
export interface VerifyAuditOptions {
  /**
   * The Ed25519 public key (SPKI PEM or KeyObject; a private key works too) the log must be
   * signed with. With it, the header's `key_id` must match and every checkpoint's signature
   * must verify; without it signatures are not checked at all.
   */
  publicKey?: KeyObject | string;
  /** Accept a log without a final checkpoint (a live, not yet closed log) and an incomplete last line. */
  allowOpen?: boolean;
  /**
   * For an array of records without a header: the genesis the chain must start from.
   * Without it, the first record's `prev` is taken as is (the start is then not anchored).
   */
  genesis?: string;
  /**
   * Threads for a large file (default: the available parallelism, at most 4; 1 disables
   * them). Files from 32 MiB on are split into segments verified by worker threads and
   * stitched; the verdict is the same as a single pass.
   */
  concurrency?: number;
}

/** The verdict on a log. */
export interface AuditVerifyResult {
  /** True when the log verified. */
  ok: boolean;
  /** Records verified before the first problem (all of them when `ok`). */
  records: number;
  /** The seq of the last verified record (0 when none). */
  lastSeq: number;
  /** The hash of the last verified record (the genesis value when none; "" without a header). */
  head: string;
  /** The log's genesis value (null when no header could be read). */
  genesis: string | null;
  /** The header's key_id (null for an unsigned log or no header). */
  keyId: string | null;
  /** Checkpoints verified. */
  checkpoints: number;
  /** True when the log ends with a final checkpoint of its last record. */
  sealed: boolean;
  /** True when a public key was given and every checkpoint signature was verified with it. */
  signaturesChecked: boolean;
  /** The first problem, when not `ok`. */
  error?: AuditVerifyError;
}

/**
 * Verifies an audit log: a file path, the lines of a log (without newlines; a trailing
 * empty string is ignored), or an array of parsed log items (records, with or without the
 * header and checkpoints). Reports the first problem; never throws for a bad log.
 * @throws AgentGovError `AUDIT_IO` when the file cannot be read; `INVALID_OPTIONS` for an unusable key.
 */
export async function verifyAudit(
  source: string | readonly string[] | readonly AuditLogItem[] | readonly Record<string, unknown>[],
  options: VerifyAuditOptions = {},
): Promise<AuditVerifyResult> {
  const publicKey = options.publicKey === undefined ? undefined : toPublicKey(options.publicKey);
  const setup: VerifierSetup = {
    publicKey,
    pinnedKeyId: publicKey === undefined ? undefined : keyIdOf(publicKey),
    genesis: options.genesis,
  };
  const allowOpen = options.allowOpen ?? false;
  if (options.concurrency !== undefined && (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1)) {
    throw new AgentGovError("INVALID_OPTIONS", `verifyAudit concurrency must be a positive integer, got ${String(options.concurrency)}`);
  }
  if (typeof source === "string") return verifyFile(source, setup, allowOpen, options.concurrency);
  return verifyItems(source, setup, allowOpen);
}

/**
 * Synchronous {@link verifyAudit} for a log already in memory (lines or parsed items), such
 * as `memoryAudit().lines()`: same checks, same result.
 */
export function verifyAuditSync(source: readonly string[] | readonly AuditLogItem[] | readonly Record<string, unknown>[], options: Omit<VerifyAuditOptions, "concurrency"> = {}): AuditVerifyResult {
  const publicKey = options.publicKey === undefined ? undefined : toPublicKey(options.publicKey);
  const setup: VerifierSetup = { publicKey, pinnedKeyId: publicKey === undefined ? undefined : keyIdOf(publicKey), genesis: options.genesis };
  return verifyItems(source, setup, options.allowOpen ?? false);
}

function verifyItems(source: readonly string[] | readonly AuditLogItem[] | readonly Record<string, unknown>[], setup: VerifierSetup, allowOpen: boolean): AuditVerifyResult {
  const publicKey = setup.publicKey;
  const verifier = new Verifier(setup);
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const item = source[i];
    if (typeof item === "string") {
      if (item === "" && i === n - 1) break;
      if (!verifier.line(item)) break;
    } else if (!verifier.item(item)) {
      break;
    }
  }
  return verdict(verifier.state(), allowOpen, publicKey !== undefined);
}
