/**
 * Record lines: building a record from an entry, its canonical body, its stored line, and
 * reading a line back (a fast path for lines this package wrote, a general path otherwise).
 *
 * The stored line of a record is its canonical JSON without `hash` (RFC 8785, so keys in
 * UTF-16 order) with `,"hash":"<hex>"}` spliced in place of the closing brace:
 *
 *     {"action":…,"agent":…,…,"seq":42,"stage":"pre_tool",…,"ts":"…","v":1,"hash":"<64 hex>"}
 *
 * so the hashed bytes are the line up to `,"hash":"` plus `}`. Only the fields of
 * {@link AuditEntry} are recorded; any other property of an entry is ignored.
 */
import { AgentGovError } from "../errors.js";
import { canonicalFreshString, canonicalJson, canonicalString } from "../internal/canonical-json.js";
import { isCanonicalArgs } from "./canonical-args.js";
import { isHex64, sha256Hex } from "./digest.js";
import { PairMemo, SegmentMemo } from "./text-memo.js";
import type { AuditEntry, AuditRecord } from "./types.js";

/** `,"hash":"` + 64 hex + `"}`. */
const HASH_SUFFIX_LENGTH = 75;
/** `,"v":1` + the hash suffix: how every line written by this package ends. */
const V_AND_HASH = ',"v":1,"hash":"';
const TAIL_LENGTH = 6 + HASH_SUFFIX_LENGTH;

/** Canonical JSON of a field that is a string by type (any JSON value is still handled). */
function field(value: unknown): string {
  return typeof value === "string" ? canonicalString(value) : canonicalJson(value);
}

/** {@link field} for a string that is new in (nearly) every record: a digest or an id. */
function freshField(value: unknown): string {
  return typeof value === "string" ? canonicalFreshString(value) : canonicalJson(value);
}

/** `{"action":…,"agent":…` (key texts: agent, action). */
const HEADS = new PairMemo((agent, action) => (action === undefined ? ['{"agent":', agent] : ['{"action":', action, ',"agent":', agent]));

/** `,"decision":…,"ext":…,"kind":…,"outcome":…,"policy_digest":…,"prev":"` (ext and outcome optional). */
const MIDDLES = new SegmentMemo((decision, ext, kind, outcome, policyDigest) => [
  ',"decision":', decision,
  ...(ext === undefined ? [] : [',"ext":', ext]),
  ',"kind":', kind ?? "",
  ...(outcome === undefined ? [] : [',"outcome":', outcome]),
  ',"policy_digest":', policyDigest ?? "", ',"prev":"',
]);

/** `","run_id":…,"seq":` (the quote closes `prev`; key text `""` when there is no run_id, as no canonical text is empty). */
const RUNS = new PairMemo((runId) => (runId === "" ? ['","seq":'] : ['","run_id":', runId, ',"seq":']));

/** `,"stage":…,"tool":…,"ts":"` (tool optional). */
const TAILS = new PairMemo((stage, tool) => (tool === undefined ? [',"stage":', stage, ',"ts":"'] : [',"stage":', stage, ',"tool":', tool, ',"ts":"']));

/**
 * The canonical JSON of the record for `entry` at `seq`/`ts`/`prev`, without `hash`.
 * Keys are written in their canonical (sorted) order directly; nested values go through
 * {@link canonicalJson}. The runs of fields that repeat from record to record come from
 * memos (text-memo.ts), so a body is a few flat pieces (cheap to hash) rather than dozens.
 * @throws AgentGovError `INVALID_REQUEST` when the entry is incomplete or not JSON.
 */
export function recordBody(entry: AuditEntry, seq: number, ts: string, prev: string): string {
  const { kind, agent, stage, decision, policy_digest } = entry;
  if (
    typeof kind !== "string" ||
    typeof agent !== "string" ||
    typeof stage !== "string" ||
    typeof policy_digest !== "string" ||
    typeof decision !== "object" ||
    (decision as unknown) === null
  ) {
    throw new AgentGovError("INVALID_REQUEST", "audit entry needs kind, agent, stage (strings), decision (object) and policy_digest (string)");
  }
  try {
    let out = HEADS.get(canonicalString(agent), entry.action === undefined ? undefined : field(entry.action));
    const args = entry.args;
    if (args !== undefined) out += ',"args":' + (isCanonicalArgs(args) ? args.text : canonicalJson(args));
    if (entry.args_digest !== undefined) out += ',"args_digest":' + freshField(entry.args_digest);
    if (entry.audit_failures !== undefined) out += ',"audit_failures":' + canonicalJson(entry.audit_failures);
    if (entry.call_id !== undefined) out += ',"call_id":' + freshField(entry.call_id);
    out += middle(entry, decision, kind, policy_digest) + prev;
    out += RUNS.get(entry.run_id === undefined ? "" : field(entry.run_id)) + String(seq);
    out += TAILS.get(canonicalString(stage), entry.tool === undefined ? undefined : field(entry.tool)) + ts;
    return out + '","v":1}';
  } catch (error) {
    throw new AgentGovError("INVALID_REQUEST", `audit entry is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The decision…prev run of a body. Remembered only when decision, ext and outcome are frozen
 * (shared constants whose text repeats); a fresh object's text rarely repeats, and a miss
 * would cost a join and push out a segment that does.
 */
function middle(entry: AuditEntry, decision: AuditEntry["decision"], kind: string, policyDigest: string): string {
  const { ext, outcome } = entry;
  const extText = ext === undefined ? undefined : canonicalJson(checkExt(ext));
  const outcomeText = outcome === undefined ? undefined : canonicalJson(outcome);
  const decisionText = canonicalJson(decision);
  if (Object.isFrozen(decision) && (ext === undefined || Object.isFrozen(ext)) && (outcome === undefined || Object.isFrozen(outcome))) {
    return MIDDLES.get(decisionText, extText, canonicalString(kind), outcomeText, canonicalString(policyDigest));
  }
  let text = ',"decision":' + decisionText;
  if (extText !== undefined) text += ',"ext":' + extText;
  text += ',"kind":' + canonicalString(kind);
  if (outcomeText !== undefined) text += ',"outcome":' + outcomeText;
  return text + ',"policy_digest":' + canonicalString(policyDigest) + ',"prev":"';
}

const NAMESPACE = /^[a-z][a-z0-9_-]{0,31}$/;

/** Frozen `ext` objects already checked (their keys cannot change): a shared constant `ext` is checked once. */
const CHECKED_EXTS = new WeakSet<object>();

/** Checks that `ext` is a mapping of namespaces (see {@link AuditEntry.ext}). */
function checkExt(ext: unknown): Record<string, unknown> {
  if (typeof ext !== "object" || ext === null || Array.isArray(ext)) throw new TypeError("ext must be a mapping of namespaces");
  if (CHECKED_EXTS.has(ext)) return ext as Record<string, unknown>;
  for (const key of Object.keys(ext)) if (!NAMESPACE.test(key)) throw new TypeError(`ext namespace ${JSON.stringify(key)} must match ${String(NAMESPACE)}`);
  if (Object.isFrozen(ext)) CHECKED_EXTS.add(ext);
  return ext as Record<string, unknown>;
}

/** The record object for `entry` (shares the entry's nested values; they are not copied). */
export function recordObject(entry: AuditEntry, seq: number, ts: string, prev: string, hash: string): AuditRecord {
  const record: AuditRecord = {
    v: 1,
    seq,
    ts,
    prev,
    kind: entry.kind,
    agent: entry.agent,
    stage: entry.stage,
    decision: entry.decision,
    policy_digest: entry.policy_digest,
    hash,
  };
  if (entry.tool !== undefined) record.tool = entry.tool;
  if (entry.action !== undefined) record.action = entry.action;
  if (entry.call_id !== undefined) record.call_id = entry.call_id;
  if (entry.run_id !== undefined) record.run_id = entry.run_id;
  if (entry.args_digest !== undefined) record.args_digest = entry.args_digest;
  if (entry.args !== undefined) record.args = isCanonicalArgs(entry.args) ? entry.args.value : entry.args;
  if (entry.outcome !== undefined) record.outcome = entry.outcome;
  if (entry.audit_failures !== undefined) record.audit_failures = entry.audit_failures;
  if (entry.ext !== undefined) record.ext = entry.ext;
  return record;
}

/** The stored line (without newline) of a record whose canonical body is `body`. */
export function recordLine(body: string, hash: string): string {
  return `${body.slice(0, -1)},"hash":"${hash}"}`;
}

/** What verification needs from a record: its position in the chain. */
export interface RecordLink {
  seq: number;
  prev: string;
  hash: string;
}

/**
 * Fast path: reads a line exactly as {@link recordLine} writes it, without JSON.parse.
 * Returns false (and the caller takes {@link readRecordValue}) unless the line ends with
 * `,"v":1,"hash":"<hex>"}`, the sha256 of the bytes before `,"hash":"` plus `}` equals that
 * hash, and the fields after the top-level `prev` are exactly `prev, run_id?, seq, stage,
 * tool?, ts, v` (scalars, in canonical order).
 *
 * Why this is sound: a matching hash means the bytes are the canonical JSON the writer
 * hashed (finding others would be a SHA-256 preimage), so they are valid JSON. In valid
 * JSON, `,"prev":"` is always a key (a quote after a comma cannot be escaped nor closing),
 * and when the rest of the line is scalar members and a single final `}`, that key belongs
 * to the object closed by the line's last brace: the top-level record.
 */
export function readRecordLineFast(line: string, out: RecordLink): boolean {
  const n = line.length;
  const tailAt = n - TAIL_LENGTH;
  if (tailAt <= 0 || line.charCodeAt(n - 1) !== 0x7d || line.charCodeAt(n - 2) !== 0x22) return false;
  if (!line.startsWith(V_AND_HASH, tailAt)) return false;
  const hash = sha256Hex(line.slice(0, n - HASH_SUFFIX_LENGTH) + "}");
  if (!line.startsWith(hash, n - 66)) return false;

  const p = line.lastIndexOf(',"prev":"', tailAt);
  if (p < 0 || line.charCodeAt(p + 73) !== 0x22) return false;
  let i = p + 74;
  if (line.startsWith(',"run_id":', i)) {
    i = skipString(line, i + 10, tailAt);
    if (i < 0) return false;
  }
  if (!line.startsWith(',"seq":', i)) return false;
  i += 7;
  let seq = 0;
  const digitsAt = i;
  for (let c = line.charCodeAt(i); c >= 0x30 && c <= 0x39; c = line.charCodeAt(++i)) seq = seq * 10 + (c - 0x30);
  if (i === digitsAt || i - digitsAt > 16 || line.charCodeAt(digitsAt) === 0x30 || !Number.isSafeInteger(seq)) return false;
  if (!line.startsWith(',"stage":', i)) return false;
  i = skipString(line, i + 9, tailAt);
  if (i < 0) return false;
  if (line.startsWith(',"tool":', i)) {
    i = skipString(line, i + 8, tailAt);
    if (i < 0) return false;
  }
  if (!line.startsWith(',"ts":', i)) return false;
  if (skipString(line, i + 6, tailAt) !== tailAt) return false;

  out.seq = seq;
  out.prev = line.slice(p + 9, p + 73);
  out.hash = hash;
  return true;
}

/** `,"v":1,"hash":"` as bytes. */
const V_AND_HASH_BYTES = Buffer.from(V_AND_HASH, "latin1");
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Fast path over bytes (files): like {@link readRecordLineFast} for the line
 * `buf[start, end)`, without decoding it. The bytes are hashed in place: the `,` of
 * `,"hash":"` is briefly replaced by `}` (and restored), so `buf` must be writable and not
 * shared. The fields after `prev` are parsed backwards from `,"v":1`; the same soundness
 * argument holds (string values are skipped by their quotes, and no bracket is crossed).
 */
export function readRecordBytesFast(buf: Buffer, start: number, end: number, out: RecordLink): boolean {
  const tailAt = end - TAIL_LENGTH;
  if (tailAt <= start || buf[end - 1] !== 0x7d || buf[end - 2] !== QUOTE) return false;
  for (let k = 0; k < V_AND_HASH_BYTES.length; k++) if (buf[tailAt + k] !== V_AND_HASH_BYTES[k]) return false;
  const comma = end - HASH_SUFFIX_LENGTH;
  buf[comma] = 0x7d;
  const hash = sha256Hex(buf.subarray(start, comma + 1));
  buf[comma] = 0x2c;
  if (buf.toString("latin1", end - 66, end - 2) !== hash) return false;

  // Backwards: ,"ts":"…"  then ,"tool":"…"?  ,"stage":"…"  ,"seq":N  ,"run_id":"…"?  ,"prev":"<hex>"
  // ts is normally 24 characters (toISOString): check that shape before scanning for its quote.
  let at = bytesAre(buf, tailAt - 32, ',"ts":"') && buf[tailAt - 1] === QUOTE ? tailAt - 26 : openingQuote(buf, tailAt - 1, start);
  if (at < 0 || !bytesAre(buf, at - 6, ',"ts":')) return false;
  at = openingQuote(buf, at - 7, start);
  if (at < 0) return false;
  if (bytesAre(buf, at - 8, ',"tool":')) {
    at = openingQuote(buf, at - 9, start);
    if (at < 0) return false;
  }
  if (!bytesAre(buf, at - 9, ',"stage":')) return false;
  const lastDigit = at - 10;
  let i = lastDigit;
  let seq = 0;
  for (let scale = 1, c = buf[i] ?? 0; i > start && c >= 0x30 && c <= 0x39; c = buf[--i] ?? 0, scale *= 10) seq += (c - 0x30) * scale;
  const digits = lastDigit - i;
  if (digits === 0 || digits > 15 || buf[i + 1] === 0x30 || !bytesAre(buf, i - 6, ',"seq":')) return false;
  at = i - 6; // the comma before "seq"
  if (!bytesAre(buf, at - 74, ',"prev":"') || buf[at - 1] !== QUOTE) {
    const open = openingQuote(buf, at - 1, start);
    if (open < 0 || !bytesAre(buf, open - 10, ',"run_id":')) return false;
    at = open - 10;
    if (!bytesAre(buf, at - 74, ',"prev":"') || buf[at - 1] !== QUOTE) return false;
  }
  out.seq = seq;
  out.prev = buf.toString("latin1", at - 65, at - 1);
  out.hash = hash;
  return true;
}

/** Given the index of a closing quote, the index of its opening quote (or -1). */
function openingQuote(buf: Buffer, close: number, start: number): number {
  if (close <= start || buf[close] !== QUOTE) return -1;
  for (let j = close - 1; j > start; j--) {
    if (buf[j] !== QUOTE) continue;
    let k = j - 1;
    while (k > start && buf[k] === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) return j; // preceded by an even number of backslashes: not escaped
    j = k + 1;
  }
  return -1;
}

/** True when `buf` holds the ASCII `text` at `at`. */
function bytesAre(buf: Buffer, at: number, text: string): boolean {
  if (at < 0) return false;
  for (let k = 0; k < text.length; k++) if (buf[at + k] !== text.charCodeAt(k)) return false;
  return true;
}

/** Given the index of an opening quote, returns the index after the closing one, or -1. */
function skipString(line: string, at: number, limit: number): number {
  if (line.charCodeAt(at) !== 0x22) return -1;
  for (let j = at + 1; j < limit; j++) {
    const c = line.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) j++;
    else if (c < 0x20) return -1;
  }
  return -1;
}

/** The outcome of reading a parsed record in the general path. */
export type RecordCheck =
  | { ok: true; link: RecordLink }
  | { ok: false; reason: "malformed_line" | "hash_mismatch"; seq: number | null; message: string };

/**
 * General path: checks a parsed record object (from a line the fast path did not take, or
 * from an array of records). `line`, when given, is the stored text, which must be exactly
 * the record's canonical stored line: the bytes on disk are what is hashed, so an
 * equivalent re-serialisation is reported too (as `malformed_line`).
 */
export function readRecordValue(value: Record<string, unknown>, line: string | undefined): RecordCheck {
  const { seq, prev, hash, v, ts } = value;
  const seqOrNull = typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 1 ? seq : null;
  if (seqOrNull === null) return { ok: false, reason: "malformed_line", seq: null, message: "record has no valid seq (a positive integer)" };
  if (v !== 1) return { ok: false, reason: "malformed_line", seq: seqOrNull, message: `unsupported record version ${v === undefined ? "undefined" : JSON.stringify(v)}` };
  if (!isHex64(hash)) return { ok: false, reason: "malformed_line", seq: seqOrNull, message: "record hash is not 64 lowercase hex characters" };
  if (!isHex64(prev)) return { ok: false, reason: "malformed_line", seq: seqOrNull, message: "record prev is not 64 lowercase hex characters" };
  if (typeof ts !== "string") return { ok: false, reason: "malformed_line", seq: seqOrNull, message: "record ts is not a string" };
  let body: string;
  try {
    const { hash: _omitted, ...rest } = value;
    body = canonicalJson(rest);
  } catch (error) {
    return { ok: false, reason: "malformed_line", seq: seqOrNull, message: `record is not canonicalisable JSON: ${(error as Error).message}` };
  }
  if (sha256Hex(body) !== hash) {
    return { ok: false, reason: "hash_mismatch", seq: seqOrNull, message: "record content does not match its hash" };
  }
  if (line !== undefined && line !== recordLine(body, hash)) {
    return {
      ok: false,
      reason: "malformed_line",
      seq: seqOrNull,
      message: "record line is not in its canonical stored form (its content matches its hash, but the line was re-serialised)",
    };
  }
  return { ok: true, link: { seq: seqOrNull, prev, hash } };
}
