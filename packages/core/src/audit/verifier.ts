/**
 * The verification state machine: fed lines (as bytes or strings) or parsed items in
 * order, it checks each against the chain so far and stops at the first problem. It
 * verifies a whole log, or a segment of one (for parallel verification of large files),
 * where the first record starts the chain wherever it is and the caller stitches segments.
 */
import type { KeyObject } from "node:crypto";
import { checkCheckpoint, checkpointSignatureValid } from "./checkpoint.js";
import { isHex64 } from "./digest.js";
import { checkHeader } from "./header.js";
import { readRecordBytesFast, readRecordLineFast, readRecordValue, type RecordLink } from "./record.js";
import type { AuditHeader } from "./types.js";
import type { AuditVerifyError, AuditVerifyReason, AuditVerifyResult } from "./verify.js";

/** How a verifier is set up. */
export interface VerifierSetup {
  /** Pinned Ed25519 public key: header key_id must match, every checkpoint must verify. */
  publicKey: KeyObject | undefined;
  /** Its key id. */
  pinnedKeyId: string | undefined;
  /** For a source without header: the genesis to start from. */
  genesis: string | undefined;
  /** Segment mode: the log's header, already read; the segment has no header line. */
  segmentOf?: AuditHeader;
}

/** Where verification stands: what a segment reports, and what a whole log is judged on. */
export interface VerifierState {
  genesis: string | null;
  keyId: string | null;
  /** Lines (or items) consumed, including an incomplete last line. */
  lines: number;
  records: number;
  lastSeq: number;
  head: string;
  checkpoints: number;
  sealed: boolean;
  /** The source ended with an incomplete line. */
  partial: boolean;
  /** Segment mode: the first record's seq and prev (for stitching), null before any record. */
  first: { seq: number; prev: string } | null;
  error: AuditVerifyError | undefined;
}

/** Why a record does not follow the chain at `seq`/`head`, or undefined when it does. */
export function linkProblem(seq: number, head: string, link: RecordLink): { reason: AuditVerifyReason; message: string } | undefined {
  const expected = seq + 1;
  if (link.seq > expected) {
    const missing = link.seq - expected;
    return { reason: "seq_gap", message: `expected seq ${expected}, found seq ${link.seq}: ${missing} record${missing === 1 ? "" : "s"} missing (deleted or reordered)` };
  }
  if (link.seq < expected) {
    return { reason: "seq_order", message: `seq ${link.seq} after seq ${seq}: a record was duplicated, inserted or moved` };
  }
  if (link.prev !== head) {
    return {
      reason: "chain_break",
      message: seq === 0
        ? "prev does not match the log's genesis: the chain does not start at this log's header"
        : `prev does not match the hash of seq ${seq}: a record was inserted, removed or replaced`,
    };
  }
  return undefined;
}

/**
 * The verdict on a whole log from where verification stopped: the first problem, else the
 * end-of-log rules (a header was read; no incomplete last line and a final checkpoint,
 * unless `allowOpen`).
 */
export function verdict(state: VerifierState, allowOpen: boolean, keyed: boolean): AuditVerifyResult {
  let error = state.error;
  if (error === undefined) {
    if (state.genesis === null) {
      error = { seq: null, line: 1, reason: "bad_header", message: "empty log: no header line" };
    } else if (state.partial && !allowOpen) {
      error = { seq: state.lastSeq, line: state.lines, reason: "truncated", message: `the last line is incomplete (an interrupted write) after seq ${state.lastSeq}` };
    } else if (!state.sealed && !allowOpen) {
      error = { seq: state.lastSeq, line: state.lines, reason: "truncated", message: `no final checkpoint after seq ${state.lastSeq}: the log was truncated or not closed` };
    }
  }
  const result: AuditVerifyResult = {
    ok: error === undefined,
    records: state.records,
    lastSeq: state.lastSeq,
    head: state.head,
    genesis: state.genesis,
    keyId: state.keyId,
    checkpoints: state.checkpoints,
    sealed: state.sealed,
    signaturesChecked: keyed && error === undefined,
  };
  if (error !== undefined) result.error = error;
  return result;
}

/** Checks lines or items one by one; every feeding method returns false once a problem was found. */
export class Verifier {
  readonly #publicKey: KeyObject | undefined;
  readonly #pinnedKeyId: string | undefined;
  readonly #genesisOption: string | undefined;
  readonly #segment: boolean;
  #header: AuditHeader | undefined;
  #genesis: string | null = null;
  #lineNo = 0;
  #seq = 0;
  #head = "";
  #records = 0;
  #checkpoints = 0;
  #sealed = false;
  #partial = false;
  #first: { seq: number; prev: string } | null = null;
  #error: AuditVerifyError | undefined;
  readonly #link: RecordLink = { seq: 0, prev: "", hash: "" };

  constructor(setup: VerifierSetup) {
    this.#publicKey = setup.publicKey;
    this.#pinnedKeyId = setup.pinnedKeyId;
    this.#genesisOption = setup.genesis;
    this.#segment = setup.segmentOf !== undefined;
    if (setup.segmentOf !== undefined) {
      this.#header = setup.segmentOf;
      this.#genesis = setup.segmentOf.genesis;
      this.#head = setup.segmentOf.genesis;
    }
  }

  /** One line given as bytes `buf[start, end)` (writable: the fast path hashes in place). */
  bytes(buf: Buffer, start: number, end: number): boolean {
    if (this.#genesis !== null && readRecordBytesFast(buf, start, end, this.#link)) return this.#chain(this.#link, ++this.#lineNo);
    return this.line(buf.toString("utf8", start, end), false);
  }

  /** One line. */
  line(text: string, tryFastPath = true): boolean {
    const n = ++this.#lineNo;
    if (this.#genesis === null) return this.#headerItem(parse(text), n);
    if (tryFastPath && readRecordLineFast(text, this.#link)) return this.#chain(this.#link, n);
    const value = parse(text);
    if (value === undefined) {
      return this.#fail(null, n, "malformed_line", text === "" ? "empty line" : `line is not a JSON object (after seq ${this.#seq})`);
    }
    return this.#any(value, text, n);
  }

  /** One parsed item (array sources). */
  item(value: unknown): boolean {
    const n = ++this.#lineNo;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.#fail(null, n, "malformed_line", `item is not an object (after seq ${this.#seq})`);
    }
    const item = value as Record<string, unknown>;
    if (this.#genesis === null) {
      if (item.type === "header") return this.#headerItem(item, n);
      const genesis = this.#genesisOption ?? item.prev;
      if (!isHex64(genesis)) return this.#fail(null, n, "bad_header", "no header, and no genesis to start the chain from");
      this.#genesis = genesis;
      this.#head = genesis;
    }
    return this.#any(item, undefined, n);
  }

  /** The source ended with an incomplete line. */
  partialLastLine(): void {
    this.#lineNo++;
    this.#partial = true;
  }

  /** Where verification stands. */
  state(): VerifierState {
    return {
      genesis: this.#genesis,
      keyId: this.#header?.key_id ?? null,
      lines: this.#lineNo,
      records: this.#records,
      lastSeq: this.#seq,
      head: this.#head,
      checkpoints: this.#checkpoints,
      sealed: this.#sealed,
      partial: this.#partial,
      first: this.#first,
      error: this.#error,
    };
  }

  #headerItem(value: Record<string, unknown> | undefined, n: number): boolean {
    const header = checkHeader(value);
    if (typeof header === "string") return this.#fail(null, n, "bad_header", header);
    if (this.#pinnedKeyId !== undefined && header.key_id !== this.#pinnedKeyId) {
      return this.#fail(null, n, "key_mismatch", header.key_id === undefined
        ? "the log is unsigned, but a public key was given"
        : `the log is signed by key ${header.key_id.slice(0, 16)}…, not by the given key (${this.#pinnedKeyId.slice(0, 16)}…)`);
    }
    this.#header = header;
    this.#genesis = header.genesis;
    this.#head = header.genesis;
    return true;
  }

  /** A line or item that is not a fast-path record: a checkpoint, a stray header, or a record. */
  #any(value: Record<string, unknown>, text: string | undefined, n: number): boolean {
    if (value.type === "checkpoint") return this.#checkpoint(value, n);
    if (value.type === "header") return this.#fail(null, n, "bad_header", `a second header at line ${n}`);
    if (value.type !== undefined) return this.#fail(null, n, "malformed_line", `unknown line type ${JSON.stringify(value.type)}`);
    const check = readRecordValue(value, text);
    if (!check.ok) return this.#fail(check.seq, n, check.reason, check.message);
    return this.#chain(check.link, n);
  }

  #chain(link: RecordLink, n: number): boolean {
    if (this.#segment && this.#first === null) {
      // A segment's first record starts its chain; the caller checks it against the previous segment.
      this.#first = { seq: link.seq, prev: link.prev };
      this.#seq = link.seq - 1;
      this.#head = link.prev;
    }
    const problem = linkProblem(this.#seq, this.#head, link);
    if (problem !== undefined) return this.#fail(link.seq, n, problem.reason, problem.message);
    this.#seq = link.seq;
    this.#head = link.hash;
    this.#records++;
    this.#sealed = false;
    return true;
  }

  #checkpoint(value: Record<string, unknown>, n: number): boolean {
    const cp = checkCheckpoint(value);
    if (typeof cp === "string") {
      const seq = typeof value.seq === "number" && Number.isSafeInteger(value.seq) ? value.seq : null;
      return this.#fail(seq, n, "malformed_line", cp);
    }
    const expectedKeyId = this.#header === undefined ? (this.#pinnedKeyId ?? cp.key_id) : this.#header.key_id;
    if (cp.key_id !== expectedKeyId) {
      return this.#fail(cp.seq, n, "key_mismatch", "the checkpoint's key_id differs from the log's");
    }
    if (this.#publicKey !== undefined && this.#genesis !== null && !checkpointSignatureValid(this.#genesis, cp, this.#publicKey)) {
      return this.#fail(cp.seq, n, "bad_checkpoint_signature", cp.sig === undefined
        ? "the checkpoint is not signed"
        : "the checkpoint's signature does not verify under the given key (checkpoint forged or altered)");
    }
    if (this.#segment && this.#first === null) {
      return this.#fail(cp.seq, n, "checkpoint_mismatch", "a checkpoint before any record of the segment"); // not produced by the planner
    }
    if (cp.seq > this.#seq) {
      const what = `records ${this.#seq + 1}–${cp.seq} are missing`;
      return cp.final
        ? this.#fail(cp.seq, n, "truncated", `the final checkpoint is for seq ${cp.seq}, but the records end at seq ${this.#seq}: ${what}`)
        : this.#fail(cp.seq, n, "checkpoint_mismatch", `checkpoint for seq ${cp.seq} after seq ${this.#seq}: ${what}`);
    }
    if (cp.seq < this.#seq) {
      return this.#fail(cp.seq, n, "checkpoint_mismatch", `checkpoint for seq ${cp.seq} appears after seq ${this.#seq}: records were inserted before it, or it was moved`);
    }
    if (cp.hash !== this.#head) {
      return this.#fail(cp.seq, n, "checkpoint_mismatch", `checkpoint hash does not match the hash of seq ${cp.seq}: the chain was rewritten`);
    }
    this.#checkpoints++;
    this.#sealed = cp.final;
    return true;
  }

  #fail(seq: number | null, line: number, reason: AuditVerifyReason, message: string): false {
    this.#error = { seq, line, reason, message };
    return false;
  }
}

/** Parses a line into a JSON object, or undefined. */
export function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
