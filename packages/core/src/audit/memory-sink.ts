/**
 * An in-memory audit sink: the same chain, records and checkpoints as the JSONL sink, kept
 * as encoded lines in memory (about the size of the file; no per-record objects retained).
 * For tests, examples and short-lived processes; `lines()` is the exact JSONL a file sink
 * would hold, so `verifyAudit(sink.lines())` verifies it. Memory grows with every record.
 */
import { AgentGovError } from "../errors.js";
import { Batch, type BatchCursor } from "./batch.js";
import { AuditChain } from "./chain.js";
import { createHeader, headerLine } from "./header.js";
import { resolveSinkOptions, type AuditSinkOptions } from "./options.js";
import type { AuditEntry, AuditHead, AuditHeader, AuditRecord, AuditSink } from "./types.js";

/** Size of a memory sink's first buffer; later ones double up to 1 MiB. */
export const MEMORY_FIRST_CHUNK_BYTES = 4096;

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
  // A memory log is often short (one per episode, test or request): start with a small buffer.
  const store = new Batch(MEMORY_FIRST_CHUNK_BYTES);
  store.meta(headerLine(header));
  let closed = false;

  // lines() and records() decode what was appended since they were last called.
  const lines: string[] = [];
  const records: AuditRecord[] = [];
  let cursor: BatchCursor = { chunk: 0, offset: 0 };
  const catchUp = (): void => {
    const read = store.readLines(cursor);
    cursor = read.cursor;
    for (const line of read.lines) {
      lines.push(line);
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
      catchUp();
      return lines;
    },
  };
}
