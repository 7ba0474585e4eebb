import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decisionAuditEntry } from "../kernel/audit-entry.js";
import { canonicalJson } from "../internal/canonical-json.js";
import { canonicalArgs, canonicalArgsDigest, digestArgs, isCanonicalArgs, memoryAudit } from "./index.js";
import { recordBody } from "./record.js";
import type { AuditEntry } from "./types.js";
import type { Decision } from "../policy/types.js";

const ENTRY: AuditEntry = {
  kind: "decision", agent: "a", stage: "pre_tool", tool: "t", call_id: "c1", policy_digest: "d",
  decision: { allowed: true, action: "allow", matched_rule: null, policy: null, code: "default", reason: "ok" },
};

describe("canonicalArgs", () => {
  it("property: holds the value and its canonical text, and its digest is digestArgs", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const c = canonicalArgs(value);
        expect(c.value).toBe(value);
        expect(c.text).toBe(canonicalJson(value));
        expect(canonicalArgsDigest(c)).toBe(digestArgs(value));
        expect(Object.isFrozen(c)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("throws INVALID_REQUEST for values that are not JSON, as digestArgs does", () => {
    const invalid = expect.objectContaining({ code: "INVALID_REQUEST", message: expect.stringMatching(/^arguments are not JSON/) as string }) as Error;
    expect(() => canonicalArgs(undefined)).toThrow(invalid);
    expect(() => canonicalArgs({ n: 1n })).toThrow(invalid);
  });

  it("is recognised only when core made it: a look-alike or a copy of its prototype is not", () => {
    const made = canonicalArgs({ a: 1 });
    expect(isCanonicalArgs(made)).toBe(true);
    expect(isCanonicalArgs({ value: { a: 1 }, text: '{"a":2}' })).toBe(false);
    const forged = Object.create(Object.getPrototypeOf(made) as object) as Record<string, unknown>;
    Object.assign(forged, { value: { a: 1 }, text: '{"a":2}' });
    expect(isCanonicalArgs(forged)).toBe(false);
    expect(isCanonicalArgs(null)).toBe(false);
  });

  it("property: a record body with canonical args is byte for byte the body with the plain value, and the record holds the value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const ts = "2026-11-21T00:00:00.000Z";
        const prev = "ab".repeat(32);
        expect(recordBody({ ...ENTRY, args: canonicalArgs(value) }, 3, ts, prev)).toBe(recordBody({ ...ENTRY, args: value }, 3, ts, prev));
        const sink = memoryAudit();
        expect(sink.append({ ...ENTRY, args: canonicalArgs(value) }).args).toBe(value);
        expect(sink.records()[0]?.args).toEqual(JSON.parse(canonicalJson(value)));
      }),
      { numRuns: 200 },
    );
  });

  it("is a snapshot: a record written from it shows the arguments as they were when it was made", () => {
    const args = { path: "a.txt" };
    const c = canonicalArgs(args);
    args.path = "b.txt";
    const sink = memoryAudit();
    sink.append({ ...ENTRY, args: c });
    expect(sink.records()[0]?.args).toEqual({ path: "a.txt" });
  });
});

describe("decisionAuditEntry args", () => {
  const decision: Decision = { allowed: true, action: "allow", matched_rule: null, policy: null, code: "default", reason: "ok", policy_digest: "d" };

  it("logs unredacted arguments as their canonical text (serialised once) and redacted ones as the redacted copy", () => {
    const plain = decisionAuditEntry({ agent: "a", stage: "pre_tool", context: { tool: { name: "t" }, args: { path: "x" } } }, decision, { callId: "c" });
    expect(isCanonicalArgs(plain.args)).toBe(true);
    const secret = decisionAuditEntry({ agent: "a", stage: "pre_tool", context: { tool: { name: "t" }, args: { path: "x", api_key: "k" } } }, decision, { callId: "c" });
    expect(isCanonicalArgs(secret.args)).toBe(false);
    expect(secret.args).toEqual({ path: "x", api_key: "[REDACTED]" });
    const sink = memoryAudit();
    sink.append(plain);
    sink.append(secret);
    expect(sink.records().map((r) => r.args)).toEqual([{ path: "x" }, { path: "x", api_key: "[REDACTED]" }]);
    expect(sink.records()[0]?.args_digest).toBe(digestArgs({ path: "x" }));
  });
});
