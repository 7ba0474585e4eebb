import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../internal/canonical-json.js";
import { readRecordBytesFast, readRecordLineFast, readRecordValue, recordBody, recordLine, recordObject, type RecordLink } from "./record.js";
import type { AuditEntry } from "./types.js";
import { memoryAudit } from "./memory-sink.js";
import { verifyAudit } from "./verify.js";
import { auditEntry } from "../testing/fixtures/audit-entry.js";

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const PREV = "ab".repeat(32);
const TS = "2026-11-21T10:00:00.000Z";

/** Strings that try to confuse a scanner: quotes, backslashes, key look-alikes, non-ASCII. */
const tricky = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(
    '"',
    "\\",
    '\\"',
    "\\\\",
    'x","seq":5,"stage":"a',
    `,"prev":"${"0".repeat(64)}"`,
    ',"ts":"',
    ',"v":1,"hash":"',
    '","tool":"t',
    "}",
    "é\u2028😀",
    "\n\r\t",
  ),
);

const entries: fc.Arbitrary<AuditEntry> = fc.record(
  {
    kind: fc.constantFrom("decision" as const, "outcome" as const),
    agent: tricky,
    stage: fc.constantFrom("input" as const, "pre_tool" as const, "post_tool" as const),
    tool: tricky,
    action: tricky,
    call_id: tricky,
    run_id: tricky,
    args_digest: fc.string(),
    args: fc.jsonValue(),
    decision: fc.record({
      allowed: fc.boolean(),
      action: fc.constantFrom("allow" as const, "deny" as const),
      matched_rule: fc.option(tricky, { nil: null }),
      policy: fc.option(tricky, { nil: null }),
      code: fc.constantFrom("rule" as const, "default" as const),
    }),
    policy_digest: fc.string(),
    outcome: fc.record({ status: fc.constantFrom("denied" as const, "pending" as const, "ok" as const) }),
    audit_failures: fc.nat(),
  },
  { requiredKeys: ["kind", "agent", "stage", "decision", "policy_digest"] },
);

function lineOf(entry: AuditEntry, seq: number): { line: string; hash: string } {
  const body = recordBody(entry, seq, TS, PREV);
  const hash = sha256(body);
  return { line: recordLine(body, hash), hash };
}

function readBytes(line: string): RecordLink | undefined {
  // Surround the line with other bytes, as in a file chunk.
  const buf = Buffer.from(`{"x":1}\n${line}\n{"y":2}`, "utf8");
  const start = Buffer.byteLength('{"x":1}\n');
  const end = start + Buffer.byteLength(line);
  const copy = Buffer.from(buf);
  const out: RecordLink = { seq: 0, prev: "", hash: "" };
  const ok = readRecordBytesFast(buf, start, end, out);
  expect(buf.equals(copy)).toBe(true); // restored after hashing in place
  return ok ? out : undefined;
}

function readString(line: string): RecordLink | undefined {
  const out: RecordLink = { seq: 0, prev: "", hash: "" };
  return readRecordLineFast(line, out) ? out : undefined;
}

describe("recordBody", () => {
  it("property: is the canonical JSON of the record without hash", () => {
    fc.assert(
      fc.property(entries, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (entry, seq) => {
        const body = recordBody(entry, seq, TS, PREV);
        const { hash: _hash, ...rest } = recordObject(entry, seq, TS, PREV, "");
        expect(body).toBe(canonicalJson(rest));
      }),
      { numRuns: 400 },
    );
  });

  it("property: stays the canonical JSON of the record along a sequence whose fields repeat (remembered segments)", () => {
    // Small pools of shared values, frozen as the RL guard's are, so consecutive records hit,
    // miss and replace the remembered segments in every combination.
    const frozen = <T extends object>(v: T): T => Object.freeze(v);
    const pick = <T,>(items: readonly T[]) => fc.constantFrom(...items);
    const decisions = [
      frozen({ allowed: true, action: "allow" as const, matched_rule: null, policy: null, code: "default" as const, reason: "ok" }),
      frozen({ allowed: false, action: "deny" as const, matched_rule: "r", policy: "p", code: "rule" as const, reason: "no" }),
      { allowed: false, action: "deny" as const, matched_rule: "r", policy: "p", code: "rule" as const, reason: "no" },
      { allowed: false, action: "deny" as const, matched_rule: "r2", policy: "p", code: "rule" as const, reason: "no" },
    ];
    const step: fc.Arbitrary<AuditEntry> = fc.record(
      {
        kind: pick(["decision", "outcome"] as const),
        agent: pick(["a", "b", 'q"uote']),
        stage: pick(["pre_tool", "post_tool", "input"] as const),
        tool: pick(["t", "u"]),
        action: pick(["t", "x"]),
        call_id: fc.string(),
        run_id: pick(["r1", "r2"]),
        args_digest: fc.string(),
        args: fc.jsonValue({ maxDepth: 2 }),
        decision: pick(decisions),
        policy_digest: pick(["d1", "d2"]),
        outcome: pick([frozen({ status: "permitted" as const }), frozen({ status: "denied" as const }), { status: "ok" as const }]),
        ext: pick([frozen({ rl: frozen({ severity: null, terminate: false }) }), { rl: { severity: "high" } }]),
      },
      { requiredKeys: ["kind", "agent", "stage", "decision", "policy_digest"] },
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        steps.forEach((entry, i) => {
          const body = recordBody(entry, i + 1, TS, PREV);
          const { hash: _hash, ...rest } = recordObject(entry, i + 1, TS, PREV, "");
          expect(body).toBe(canonicalJson(rest));
        });
      }),
      { numRuns: 200 },
    );
  });

  it("throws INVALID_REQUEST for incomplete or non-JSON entries", () => {
    const base = { kind: "decision", agent: "a", stage: "pre_tool", decision: { allowed: true, action: "allow", matched_rule: null, policy: null, code: "default" }, policy_digest: "d" } as const;
    expect(() => recordBody({ ...base, agent: 1 } as unknown as AuditEntry, 1, TS, PREV)).toThrow(expect.objectContaining({ code: "INVALID_REQUEST" }) as Error);
    expect(() => recordBody({ ...base, args: [undefined] }, 1, TS, PREV)).toThrow(expect.objectContaining({ code: "INVALID_REQUEST" }) as Error);
    expect(() => recordBody({ ...base, args: { n: Number.NaN } }, 1, TS, PREV)).toThrow(/not JSON/);
  });
});

describe("reading record lines", () => {
  it("property: both fast paths agree with the general path on lines this package writes", () => {
    fc.assert(
      fc.property(entries, fc.integer({ min: 1, max: 999_999_999_999_999 }), (entry, seq) => {
        const { line, hash } = lineOf(entry, seq);
        const general = readRecordValue(JSON.parse(line) as Record<string, unknown>, line);
        expect(general).toEqual({ ok: true, link: { seq, prev: PREV, hash } });
        const fast = readString(line);
        const bytes = readBytes(line);
        expect(fast).toEqual({ seq, prev: PREV, hash });
        expect(bytes).toEqual({ seq, prev: PREV, hash });
      }),
      { numRuns: 400 },
    );
  });

  it("property: any one-character change is refused by the fast paths and reported by the general path", () => {
    fc.assert(
      fc.property(entries, fc.nat(), fc.integer({ min: 0x20, max: 0x7e }), (entry, at, code) => {
        const { line } = lineOf(entry, 7);
        const i = at % line.length;
        if (line.charCodeAt(i) === code) return;
        const tampered = line.slice(0, i) + String.fromCharCode(code) + line.slice(i + 1);
        expect(readString(tampered)).toBeUndefined();
        expect(readBytes(tampered)).toBeUndefined();
        let parsed: unknown;
        try {
          parsed = JSON.parse(tampered);
        } catch {
          return; // malformed_line
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return;
        const check = readRecordValue(parsed as Record<string, unknown>, tampered);
        // The only change that keeps the content is a re-spelling; it is still refused.
        expect(check.ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it("refuses a line whose content matches its hash but is not in canonical stored form", () => {
    const { line } = lineOf({ kind: "decision", agent: "a", stage: "pre_tool", decision: { allowed: true, action: "allow", matched_rule: null, policy: null, code: "default" }, policy_digest: "d" }, 3);
    const value = JSON.parse(line) as Record<string, unknown>;
    const respelled = JSON.stringify(value, null, 0).replace('"agent":"a"', '"agent": "a"');
    expect(readString(respelled)).toBeUndefined();
    expect(readRecordValue(value, respelled)).toMatchObject({ ok: false, reason: "malformed_line", seq: 3 });
    expect(readRecordValue(value, undefined)).toMatchObject({ ok: true });
  });

  it("reports missing or malformed chain fields as malformed_line and content changes as hash_mismatch", () => {
    const { line } = lineOf({ kind: "decision", agent: "a", stage: "pre_tool", decision: { allowed: true, action: "allow", matched_rule: null, policy: null, code: "default" }, policy_digest: "d" }, 4);
    const value = JSON.parse(line) as Record<string, unknown>;
    expect(readRecordValue({ ...value, seq: 0 }, undefined)).toMatchObject({ ok: false, reason: "malformed_line", seq: null });
    expect(readRecordValue({ ...value, seq: "4" }, undefined)).toMatchObject({ ok: false, reason: "malformed_line", seq: null });
    expect(readRecordValue({ ...value, v: 2 }, undefined)).toMatchObject({ ok: false, reason: "malformed_line", seq: 4 });
    expect(readRecordValue({ ...value, hash: "x" }, undefined)).toMatchObject({ ok: false, reason: "malformed_line" });
    expect(readRecordValue({ ...value, prev: 5 }, undefined)).toMatchObject({ ok: false, reason: "malformed_line" });
    expect(readRecordValue({ ...value, agent: "b" }, undefined)).toMatchObject({ ok: false, reason: "hash_mismatch", seq: 4 });
    expect(readRecordValue({ ...value, seq: 5 }, undefined)).toMatchObject({ ok: false, reason: "hash_mismatch", seq: 5 });
  });
});

describe("ext: namespaced extensions", () => {
  it("is part of the hashed body, in canonical order, and kept on the record", () => {
    const sink = memoryAudit();
    const record = sink.append(auditEntry(1, { ext: { rl: { phase: "warmup", penalty: 0.5 } } }));
    expect(record.ext).toEqual({ rl: { phase: "warmup", penalty: 0.5 } });
    const line = sink.lines().find((l) => l.includes('"ext"'));
    expect(line).toContain(',"decision":{');
    expect(line?.indexOf('"ext":')).toBeGreaterThan(line?.indexOf('"decision":') ?? Infinity);
    expect(line?.indexOf('"ext":')).toBeLessThan(line?.indexOf('"kind":') ?? -1);
  });

  it("verifies, and a changed extension is detected", async () => {
    const sink = memoryAudit();
    sink.append(auditEntry(1, { ext: { rl: { reward: 1 } } }));
    sink.append(auditEntry(2));
    await sink.close();
    const lines = [...sink.lines()];
    expect((await verifyAudit(lines)).ok).toBe(true);
    const tampered = lines.map((l) => l.replace('"reward":1', '"reward":2'));
    expect((await verifyAudit(tampered)).error?.reason).toBe("hash_mismatch");
  });

  it("refuses a malformed extension and changes nothing", () => {
    const sink = memoryAudit();
    expect(() => sink.append(auditEntry(1, { ext: { "Bad Namespace": 1 } }))).toThrow(/namespace/);
    expect(() => sink.append(auditEntry(1, { ext: [] as unknown as Record<string, unknown> }))).toThrow(/mapping/);
    expect(sink.head().seq).toBe(0);
  });

  it("refuses a frozen malformed extension every time, and takes a frozen valid one every time", () => {
    const sink = memoryAudit();
    const bad = Object.freeze({ "Bad Namespace": 1 });
    expect(() => sink.append(auditEntry(1, { ext: bad }))).toThrow(/namespace/);
    expect(() => sink.append(auditEntry(1, { ext: bad }))).toThrow(/namespace/);
    const good = Object.freeze({ rl: Object.freeze({ reward: 1 }) });
    sink.append(auditEntry(1, { ext: good }));
    sink.append(auditEntry(2, { ext: good }));
    expect(sink.records().map((r) => r.ext)).toEqual([{ rl: { reward: 1 } }, { rl: { reward: 1 } }]);
  });
});
