import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isAgentGovError } from "../errors.js";
import { canonicalJson } from "../internal/canonical-json.js";
import { genesisOf } from "./header.js";
import { generateAuditKeyPair, memoryAudit, verifyAudit, verifyAuditSync, type AuditEntry, type AuditRecord } from "./index.js";
import { auditEntry } from "../testing/fixtures/audit-entry.js";

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

function entry(i: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  const allowed = i % 2 === 0;
  return auditEntry(i, {
    agent: "support-bot",
    tool: "query_database",
    args: { query: `SELECT ${String(i)}`, password: "[REDACTED]" },
    decision: { allowed, action: allowed ? "allow" : "deny", matched_rule: "r", policy: "p", code: "rule" },
    ...extra,
  });
}

/** A clock that advances 1 ms per call, from a fixed start. */
function tick(start = Date.UTC(2026, 10, 21, 10, 0, 0)): () => number {
  let now = start;
  return () => now++;
}

describe("memoryAudit: the chain", () => {
  it("sequences from 1 without gaps, links prev to the previous hash and starts at the header's genesis", () => {
    const sink = memoryAudit({ clock: tick() });
    const records = Array.from({ length: 5 }, (_, i) => sink.append(entry(i)));
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]!.prev).toBe(sink.header.genesis);
    for (let i = 1; i < records.length; i++) expect(records[i]!.prev).toBe(records[i - 1]!.hash);
    expect(sink.head()).toEqual({ seq: 5, hash: records[4]!.hash });
    expect(sink.records()).toEqual(records);
  });

  it("hash = sha256 of the RFC 8785 canonical JSON of every field but hash", () => {
    const sink = memoryAudit({ clock: tick() });
    const record = sink.append(entry(1, { run_id: "run-1", action: "q", args_digest: "a".repeat(64), outcome: { status: "pending" }, audit_failures: 2 }));
    const { hash, ...rest } = record;
    expect(hash).toBe(sha256(canonicalJson(rest)));
    expect(Object.keys(rest).sort()).toEqual(
      ["action", "agent", "args", "args_digest", "audit_failures", "call_id", "decision", "kind", "outcome", "policy_digest", "prev", "run_id", "seq", "stage", "tool", "ts", "v"],
    );
    // The stored line is the same object.
    expect(JSON.parse(sink.lines()[1]!)).toEqual(record);
  });

  it("takes ts from the injected clock as ISO-8601 and v = 1", () => {
    const sink = memoryAudit({ clock: () => Date.UTC(2030, 0, 2, 3, 4, 5, 6) });
    const record = sink.append(entry(0));
    expect(record.ts).toBe("2030-01-02T03:04:05.006Z");
    expect(record.v).toBe(1);
  });

  it("has a random genesis bound to the header's creation time and nonce", () => {
    const a = memoryAudit();
    const b = memoryAudit();
    expect(a.header.genesis).toMatch(/^[0-9a-f]{64}$/);
    expect(a.header.genesis).not.toBe(b.header.genesis);
    expect(a.header.genesis).toBe(genesisOf(a.header.created, a.header.nonce));
    expect(a.head()).toEqual({ seq: 0, hash: a.header.genesis });
  });

  it("records only the AuditEntry fields (others are ignored, not hashed)", () => {
    const sink = memoryAudit();
    const record = sink.append({ ...entry(1), type: "header", hash: "x", seq: 99, extra: { a: 1 } } as AuditEntry);
    expect(record.seq).toBe(1);
    expect(record).not.toHaveProperty("extra");
    expect(record).not.toHaveProperty("type");
    expect(sink.lines()[1]).not.toContain("extra");
  });

  it("refuses an entry that is not JSON or lacks fields, without consuming a seq", () => {
    const sink = memoryAudit();
    sink.append(entry(1));
    for (const bad of [
      { ...entry(2), args: { n: 10n } },
      { ...entry(2), args: { s: "\ud800" } },
      { ...entry(2), agent: undefined },
      { ...entry(2), decision: null },
    ]) {
      let thrown: unknown;
      try {
        sink.append(bad as unknown as AuditEntry);
      } catch (error) {
        thrown = error;
      }
      expect(isAgentGovError(thrown) && thrown.code).toBe("INVALID_REQUEST");
    }
    expect(sink.append(entry(3)).seq).toBe(2);
    expect(sink.lines()).toHaveLength(3);
  });
});

describe("memoryAudit: checkpoints and close", () => {
  it("writes a checkpoint every checkpointEvery records and a final one on close", async () => {
    const sink = memoryAudit({ checkpointEvery: 2 });
    for (let i = 0; i < 5; i++) sink.append(entry(i));
    await sink.close();
    const types = sink.lines().map((line) => (JSON.parse(line) as { type?: string; final?: boolean; seq?: number }));
    const checkpoints = types.filter((t) => t.type === "checkpoint");
    expect(checkpoints.map((c) => [c.seq, c.final])).toEqual([[2, false], [4, false], [5, true]]);
    expect(types[0]!.type).toBe("header");
  });

  it("close() refuses further appends with AUDIT_CLOSED and is idempotent", async () => {
    const sink = memoryAudit();
    sink.append(entry(1));
    await sink.close();
    await sink.close();
    expect(() => sink.append(entry(2))).toThrow(expect.objectContaining({ code: "AUDIT_CLOSED" }) as Error);
    expect(sink.lines().filter((l) => l.includes('"final":true'))).toHaveLength(1);
    await expect(sink.flush()).resolves.toBeUndefined();
  });

  it("lines() of a closed sink verify; an empty log verifies too", async () => {
    const sink = memoryAudit();
    for (let i = 0; i < 7; i++) sink.append(entry(i));
    await sink.close();
    const result = await verifyAudit(sink.lines());
    expect(result).toMatchObject({ ok: true, records: 7, lastSeq: 7, sealed: true, signaturesChecked: false, checkpoints: 1 });
    expect(result.head).toBe(sink.head().hash);

    const empty = memoryAudit();
    await empty.close();
    expect(await verifyAudit(empty.lines())).toMatchObject({ ok: true, records: 0, lastSeq: 0, sealed: true });
  });

  it("signs checkpoints with the signing key (PEM or KeyObject) and verifies under the public key", async () => {
    const keys = generateAuditKeyPair();
    const sink = memoryAudit({ signingKey: keys.privateKey, checkpointEvery: 3 });
    expect(sink.header.key_id).toBe(keys.keyId);
    for (let i = 0; i < 10; i++) sink.append(entry(i));
    await sink.close();
    const result = await verifyAudit(sink.lines(), { publicKey: keys.publicKey });
    expect(result).toMatchObject({ ok: true, records: 10, checkpoints: 4, sealed: true, signaturesChecked: true, keyId: keys.keyId });
    const other = generateAuditKeyPair();
    expect((await verifyAudit(sink.lines(), { publicKey: other.publicKey })).error?.reason).toBe("key_mismatch");
  });

  it("lines() and records() keep up with appends between calls, across storage buffers", async () => {
    const sink = memoryAudit({ checkpointEvery: 0 });
    const big = (i: number): AuditEntry => entry(i, { args: { blob: "é".repeat(200_000) } });
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      sink.append(i % 3 === 0 ? big(i) : entry(i));
      expect(sink.lines()).toHaveLength(i + 2);
      seen.push(sink.records().length);
      expect(sink.lines()).toHaveLength(i + 2); // a second call adds nothing
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(sink.records().map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    await sink.close();
    expect(sink.lines()).toHaveLength(14);
    expect(await verifyAudit(sink.lines())).toMatchObject({ ok: true, records: 12 });
  });

  it("records() are the stored records: later changes to an entry's objects do not show", () => {
    const sink = memoryAudit();
    const e = entry(1);
    const returned = sink.append(e);
    (e.args as { query: string }).query = "changed";
    expect(sink.records()[0]).toEqual({ ...returned, args: { query: "SELECT 1", password: "[REDACTED]" } });
  });

  it("records() verify as an array (anchored with the genesis option)", async () => {
    const sink = memoryAudit();
    for (let i = 0; i < 4; i++) sink.append(entry(i));
    const records: readonly AuditRecord[] = sink.records();
    expect(await verifyAudit(records, { allowOpen: true, genesis: sink.header.genesis })).toMatchObject({ ok: true, records: 4, sealed: false });
    expect((await verifyAudit(records, { allowOpen: true, genesis: "0".repeat(64) })).error).toMatchObject({ reason: "chain_break", seq: 1 });
  });
});

describe("memoryAudit: growing buffers", () => {
  it("starts small, grows across many buffers, and reads back and verifies every record", async () => {
    const sink = memoryAudit();
    const n = 3000;
    for (let i = 0; i < n; i++) sink.append(entry(i));
    expect(sink.records()).toHaveLength(n);
    expect(sink.records().map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    await sink.close();
    const result = await verifyAudit(sink.lines());
    expect(result).toMatchObject({ ok: true, records: n, sealed: true });
    expect(verifyAuditSync(sink.lines())).toEqual(result);
  });

  it("verifyAuditSync reports the same first problem as verifyAudit", async () => {
    const sink = memoryAudit();
    for (let i = 0; i < 5; i++) sink.append(entry(i));
    await sink.close();
    const tampered = sink.lines().map((l, i) => (i === 3 ? l.replace("SELECT", "DELETE") : l));
    const expected = await verifyAudit(tampered);
    expect(expected.ok).toBe(false);
    expect(verifyAuditSync(tampered)).toEqual(expected);
  });
});
