/**
 * An in-memory audit sink: the same chain, records and checkpoints as the JSONL sink, kept
 * as the log's lines (strings; about the size of the file for ASCII logs).
 * For tests, examples and short-lived processes; `lines()` is the exact JSONL a file sink
 * would hold, so `verifyAudit(sink.lines())` verifies it. Memory grows with every record.
 */
import { AgentGovError } from "../errors.js";
import { AuditChain, type LineStore } from "./chain.js";
import { sha256Hex } from "./digest.js";
import { recordLine } from "./record.js";
import { createHeader, headerLine } from "./header.js";
import { resolveSinkOptions, type AuditSinkOptions } from "./options.js";
import type { AuditEntry, AuditHead, AuditHeader, AuditRecord, AuditSink } from "./types.js";

/** Options of {@link memoryAudit}. */
export type MemoryAuditOptions = AuditSinkOptions;

/** An in-memory sink. */
export interface MemoryAuditSink extends AuditSink {
  /** The log's header (its genesis anchors the chain). */
  readonly header: AuditHeader;
  /** Every record appended, in order, as stored (parsed from the log: later changes to an entry's objects do not show). */
  records(): readonly AuditRecord[];
  /** The log as JSONL lines (no newlines): header, records and checkpoints, as a file would hold them. */
  lines(): readonly string[];
}

/** Creates an in-memory, hash-chained audit sink (signed checkpoints when `signingKey` is given). */
export function memoryAudit(options: MemoryAuditOptions = {}): MemoryAuditSink {
  const { now, signer, checkpointEvery } = resolveSinkOptions(options);
  const header = createHeader(now(), signer?.keyId);
  const chain = new AuditChain({ genesis: header.genesis, seq: 0, head: header.genesis }, now, signer, checkpointEvery);
  // The lines as strings: a record's body is hashed as it is (crypto.hash encodes it once), with no
  // buffer to write it into first. records() parses the records appended since it was last called.
  const lines: string[] = [headerLine(header)];
  const store: LineStore = {
    record(body) {
      const hash = sha256Hex(body);
      lines.push(recordLine(body, hash));
      return hash;
    },
    meta(line) {
      lines.push(line);
    },
  };
  let closed = false;
  const records: AuditRecord[] = [];
  let parsed = 1;
  const catchUp = (): void => {
    for (; parsed < lines.length; parsed++) {
      const line = lines[parsed] as string;
      if (!line.startsWith('{"type":"')) records.push(JSON.parse(line) as AuditRecord);
    }
  };

  return {
    header,
    append(entry: AuditEntry): AuditRecord {
      if (closed) throw new AgentGovError("AUDIT_CLOSED", "audit sink is closed");
      return chain.append(entry, store);
    },
    flush: () => Promise.resolve(),
    close(): Promise<void> {
      if (!closed) {
        closed = true;
        store.meta(chain.checkpoint(true));
      }
      return Promise.resolve();
    },
    head: (): AuditHead => chain.head(),
    records(): readonly AuditRecord[] {
      catchUp();
      return records;
    },
    lines(): readonly string[] {
      return lines;
    },
  };
}
