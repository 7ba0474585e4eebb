/**
 * The JSONL audit store: `jsonlAudit` in the data directory, signed with an Ed25519 key
 * kept next to it (created on first start, private key mode 0600), queried by scanning
 * the file from a byte-offset cursor with a bounded amount of work per page.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { AuditRecord } from "@agentgov/core";
import { jsonlAudit, verifyAudit, type AuditVerifyResult } from "@agentgov/core/audit";
import { auditKeys } from "./audit-keys.js";
import type { AuditPage, AuditQuery, AuditStore } from "./audit-store.js";
import { ServerError } from "./errors.js";

export { AUDIT_KEY_FILE, AUDIT_PUBLIC_KEY_FILE } from "./audit-keys.js";

/** The log file name inside the data directory. */
export const AUDIT_FILE = "audit.jsonl";
/** Most bytes of log one query page scans before it returns (with `has_more`). */
export const MAX_SCAN_BYTES_PER_PAGE = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const MAX_LINE_BYTES = 32 * 1024 * 1024;

/** Options of {@link jsonlAuditStore}. */
export interface JsonlAuditStoreOptions {
  /** The data directory. */
  dir: string;
  clock?: () => number;
  flushIntervalMs?: number;
}

/** Opens (or continues) the JSONL audit log of a data directory. */
export function jsonlAuditStore(options: JsonlAuditStoreOptions): AuditStore {
  const path = join(options.dir, AUDIT_FILE);
  const { privateKey, publicKey } = auditKeys(options.dir);
  const sinkOptions: Parameters<typeof jsonlAudit>[1] = { signingKey: privateKey };
  if (options.clock !== undefined) sinkOptions.clock = options.clock;
  if (options.flushIntervalMs !== undefined) sinkOptions.flushIntervalMs = options.flushIntervalMs;
  const sink = jsonlAudit(path, sinkOptions);
  let durable = sink.head().seq;
  let measuring = false;
  const measure = (): void => {
    if (measuring || sink.state() !== "open" || sink.head().seq === durable) return;
    measuring = true;
    const target = sink.head().seq;
    sink.flush().then(
      () => {
        durable = Math.max(durable, target);
        measuring = false;
      },
      () => {
        measuring = false;
      },
    );
  };
  const lagTimer = setInterval(measure, 250);
  lagTimer.unref();
  let verifying: Promise<AuditVerifyResult> | undefined;

  return {
    sink,
    location: path,
    async query(query) {
      await sink.flush();
      durable = Math.max(durable, sink.head().seq);
      return scan(path, query);
    },
    verify() {
      // One verification at a time; concurrent requests share it.
      verifying ??= (async () => {
        try {
          await sink.flush();
          return await verifyAudit(path, { publicKey, allowOpen: sink.state() !== "closed" });
        } finally {
          verifying = undefined;
        }
      })();
      return verifying;
    },
    state: () => sink.state(),
    lag: () => Math.max(0, sink.head().seq - durable),
    whenDurable: () => sink.flush(),
    async close() {
      clearInterval(lagTimer);
      await sink.close();
    },
  };
}

/** Encodes a scan position. */
function encodeCursor(offset: number): string {
  return Buffer.from(`v1:${offset}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const m = /^v1:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("latin1"));
  if (m?.[1] === undefined) throw new ServerError("INVALID_CURSOR", 400, "the cursor is not one this server issued");
  return Number(m[1]);
}

async function scan(path: string, query: AuditQuery): Promise<AuditPage> {
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    let offset = query.cursor === undefined ? 0 : decodeCursor(query.cursor);
    if (offset > size) throw new ServerError("INVALID_CURSOR", 400, "the cursor points past the end of the log");
    if (offset > 0) {
      const before = Buffer.alloc(1);
      await handle.read(before, 0, 1, offset - 1);
      if (before[0] !== 0x0a) throw new ServerError("INVALID_CURSOR", 400, "the cursor does not point at the start of a line");
    }
    const records: AuditRecord[] = [];
    const limitBytes = Math.min(size, offset + MAX_SCAN_BYTES_PER_PAGE);
    let carry: Buffer = Buffer.alloc(0);
    let position = offset; // file offset of the first byte of `carry`
    const buf = Buffer.alloc(CHUNK);
    let readAt = offset;
    while (readAt < limitBytes && records.length < query.limit) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, limitBytes - readAt), readAt);
      if (bytesRead === 0) break;
      readAt += bytesRead;
      const data = carry.length === 0 ? buf.subarray(0, bytesRead) : Buffer.concat([carry, buf.subarray(0, bytesRead)]);
      let start = 0;
      for (let nl = data.indexOf(0x0a, start); nl >= 0 && records.length < query.limit; nl = data.indexOf(0x0a, start)) {
        const record = parseRecord(data.subarray(start, nl));
        start = nl + 1;
        offset = position + start;
        if (record !== null && matches(record, query)) records.push(record);
      }
      carry = Buffer.from(data.subarray(start));
      position += start;
      if (carry.length > MAX_LINE_BYTES) throw new ServerError("INTERNAL", 500, "the audit log has a line longer than the query limit");
    }
    return { records, next_cursor: encodeCursor(offset), has_more: offset < size && (records.length >= query.limit || limitBytes < size) };
  } finally {
    await handle.close();
  }
}

function parseRecord(line: Buffer): AuditRecord | null {
  if (line.length === 0 || line.subarray(0, 9).toString("latin1") === '{"type":"') return null;
  try {
    const value = JSON.parse(line.toString("utf8")) as AuditRecord;
    return typeof value.seq === "number" ? value : null;
  } catch {
    return null;
  }
}

function matches(record: AuditRecord, q: AuditQuery): boolean {
  if (q.agent !== undefined && record.agent !== q.agent) return false;
  if (q.tool !== undefined && record.tool !== q.tool) return false;
  if (q.decision !== undefined && record.decision.action !== q.decision) return false;
  if (q.code !== undefined && record.decision.code !== q.code) return false;
  if (q.callId !== undefined && record.call_id !== q.callId) return false;
  if (q.kind !== undefined && record.kind !== q.kind) return false;
  if (q.since !== undefined || q.until !== undefined) {
    const t = Date.parse(record.ts);
    if (q.since !== undefined && !(t >= q.since)) return false;
    if (q.until !== undefined && !(t < q.until)) return false;
  }
  return true;
}
