/**
 * Continuing an existing JSONL log: reads its header and its last lines (not the whole
 * file) to recover the chain head, so that a restarted process appends to the same chain
 * instead of forking it. Anything that does not check out is refused with `AUDIT_IO`.
 */
import { readSync } from "node:fs";
import { AgentGovError } from "../errors.js";
import { checkCheckpoint, checkpointSignatureValid } from "./checkpoint.js";
import { checkHeader } from "./header.js";
import type { AuditSigner } from "./keys.js";
import { readRecordLineFast, readRecordValue, type RecordLink } from "./record.js";
import type { AuditCheckpoint, AuditHeader } from "./types.js";

/** Where an existing log ends. */
export interface ResumedLog {
  header: AuditHeader;
  seq: number;
  head: string;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * Reads the header and the end of the log open on `fd` (`size` bytes, readable).
 * @throws AgentGovError `AUDIT_IO` when the file is not a valid log, ends in a partial
 * line, its last record or checkpoints do not check out, or it belongs to another key.
 */
export function resumeLog(fd: number, size: number, path: string, signer: AuditSigner | undefined): ResumedLog {
  const corrupt = (why: string): AgentGovError =>
    new AgentGovError("AUDIT_IO", `audit log ${path} cannot be continued: ${why}. Run 'agentgov audit verify ${path}' to locate the damage.`);

  const header = readHeader(fd, size, corrupt);
  if (signer !== undefined && header.key_id !== signer.keyId) {
    throw corrupt(header.key_id === undefined
      ? "the log is unsigned but a signingKey was given"
      : `the log is signed by key ${header.key_id.slice(0, 16)}…, not by the given signingKey (${signer.keyId.slice(0, 16)}…)`);
  }
  if (signer === undefined && header.key_id !== undefined) {
    throw corrupt(`the log is signed by key ${header.key_id.slice(0, 16)}… but no signingKey was given`);
  }

  if (readRange(fd, size - 1, size)[0] !== NEWLINE) throw corrupt("its last line is incomplete (an interrupted write)");

  // Walk back line by line until the last record (or the header), collecting the checkpoints after it.
  let tailStart = Math.max(0, size - CHUNK); // file offset of tail[0]
  let tail = readRange(fd, tailStart, size);
  let end = tail.length - 1; // index in tail of the newline that ends the current line
  const checkpoints: AuditCheckpoint[] = [];
  let link: RecordLink = { seq: 0, prev: "", hash: header.genesis };
  for (;;) {
    let nl = end > 0 ? tail.lastIndexOf(NEWLINE, end - 1) : -1;
    while (nl < 0 && tailStart > 0) {
      const start = Math.max(0, tailStart - CHUNK);
      const chunk = readRange(fd, start, tailStart);
      tail = Buffer.concat([chunk, tail]);
      end += chunk.length;
      tailStart = start;
      nl = end > 0 ? tail.lastIndexOf(NEWLINE, end - 1) : -1;
    }
    const lineStart = nl + 1;
    if (tailStart === 0 && lineStart === 0) break; // the header: no record yet
    const text = tail.toString("utf8", lineStart, end);
    if (text.startsWith('{"type":"')) {
      const value = parseObject(text);
      if (value?.type !== "checkpoint") throw corrupt("a line near its end is neither a record nor a checkpoint");
      const cp = checkCheckpoint(value);
      if (typeof cp === "string") throw corrupt(cp);
      checkpoints.push(cp);
      end = nl;
      continue;
    }
    const read: RecordLink = { seq: 0, prev: "", hash: "" };
    if (readRecordLineFast(text, read)) {
      link = read;
      break;
    }
    const value = parseObject(text);
    if (value === undefined) throw corrupt("its last record line is not a JSON object");
    const check = readRecordValue(value, text);
    if (!check.ok) throw corrupt(`its last record (seq ${String(check.seq)}) is damaged: ${check.message}`);
    link = check.link;
    break;
  }

  for (const cp of checkpoints) {
    if (cp.seq !== link.seq || cp.hash !== link.hash) throw corrupt(`a checkpoint near its end (seq ${cp.seq}) does not match its last record (seq ${link.seq})`);
    if (cp.key_id !== header.key_id) throw corrupt(`a checkpoint near its end (seq ${cp.seq}) has another key_id than the header`);
  }
  const latest = checkpoints[0];
  if (signer !== undefined && latest !== undefined && !checkpointSignatureValid(header.genesis, latest, signer.key)) {
    throw corrupt(`its last checkpoint (seq ${latest.seq}) is not validly signed by the signingKey`);
  }
  return { header, seq: link.seq, head: link.hash };
}

function readHeader(fd: number, size: number, corrupt: (why: string) => AgentGovError): AuditHeader {
  const buf = readRange(fd, 0, Math.min(size, CHUNK));
  const nl = buf.indexOf(NEWLINE);
  if (nl < 0) throw corrupt("it has no complete header line");
  const value = parseObject(buf.toString("utf8", 0, nl));
  const header = checkHeader(value);
  if (typeof header === "string") throw corrupt(`bad header: ${header}`);
  return header;
}

function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.alloc(end - start);
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, start + done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
