/** `POST /v1/audit/events`: a client's own audit entries in the server's chain, validated, never trusted for the chain. */
import { refusingAudit } from "@agentgov/core/testing";
import { stubAuditStore } from "./testing/fixtures/stub-audit-store.js";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_AUDIT_EVENT_BYTES } from "./audit-events-route.js";
import { call, startHarness, type Harness } from "./testing/fixtures/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const marker = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: "decision",
  agent: "support-1",
  stage: "pre_tool",
  tool: "hosted_search",
  action: "hosted_search",
  call_id: "tc-1",
  decision: { allowed: true, action: "log", matched_rule: null, policy: null, code: "default", reason: "ungoverned: executed by the provider" },
  policy_digest: "ab".repeat(32),
  outcome: { status: "ok" },
  ext: { ai_sdk: { ungoverned: true } },
  ...extra,
});

describe("POST /v1/audit/events", () => {
  it("appends the entry to the chain: the server fills seq, ts and hash, and records who reported it", async () => {
    h = await startHarness();
    const res = await call(h.base, "/v1/audit/events", { token: h.tokens.decide, body: marker() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ v: 1, seq: 1, kind: "decision", agent: "support-1", tool: "hosted_search", call_id: "tc-1", ext: { ai_sdk: { ungoverned: true }, reported: { by: "agent-runtime" } } });
    expect(String(res.body.hash)).toMatch(/^[0-9a-f]{64}$/);
    const page = await call(h.base, "/v1/audit?call_id=tc-1", { token: h.tokens.audit });
    expect(page.body.records).toEqual([res.body]);
    expect((await call(h.base, "/v1/audit/verify", { token: h.tokens.audit })).body).toMatchObject({ ok: true });
  });

  it.each([
    ["a client hash", { hash: "00".repeat(32) }, "'hash' is filled by the server"],
    ["a client seq", { seq: 7 }, "'seq' is filled by the server"],
    ["a client time", { ts: "2020-01-01T00:00:00.000Z" }, "'ts' is filled by the server"],
    ["an unknown field", { extra: 1 }, "unknown field 'extra'"],
    ["a bad kind", { kind: "note" }, "'kind'"],
    ["no agent", { agent: "" }, "'agent'"],
    ["a bad stage", { stage: "later" }, "'stage'"],
    ["a bad decision", { decision: { allowed: "yes" } }, "'decision.allowed'"],
    ["an unknown decision field", { decision: { allowed: true, action: "log", matched_rule: null, policy: null, code: "default", hash: "x" } }, "decision.hash"],
    ["a bad outcome status", { outcome: { status: "done" } }, "'outcome.status'"],
    ["the approvals' tool", { tool: "agentgov.approval" }, "written by the server only"],
    ["the operator controls' tool", { tool: "agentgov.control" }, "written by the server only"],
    ["the server's ext namespace", { ext: { approval: { id: "x" } } }, "written by the server only"],
    ["a forged reporter", { ext: { reported: { by: "admin" } } }, "written by the server only"],
    ["a bad ext namespace", { ext: { "Not Valid": 1 } }, "namespace"],
    ["a bad args digest", { args_digest: "xyz" }, "'args_digest'"],
  ])("refuses %s (400), and appends nothing", async (_what, change, message) => {
    h ??= await startHarness();
    const res = await call(h.base, "/v1/audit/events", { token: h.tokens.decide, body: marker(change) });
    expect(res).toMatchObject({ status: 400, body: { code: "BAD_REQUEST", message: expect.stringContaining(message) as unknown } });
    expect(h.server.audit.sink.head().seq).toBe(0);
  });

  it("bounds the body, needs the decide scope, and answers 503 when the audit refuses", async () => {
    h = await startHarness();
    const big = await call(h.base, "/v1/audit/events", { token: h.tokens.decide, body: marker({ args: { text: "x".repeat(MAX_AUDIT_EVENT_BYTES) } }) });
    expect(big).toMatchObject({ status: 413, body: { code: "BODY_TOO_LARGE" } });
    expect((await call(h.base, "/v1/audit/events", { token: h.tokens.audit, body: marker() })).status).toBe(403);
    expect((await call(h.base, "/v1/audit/events", { body: marker() })).status).toBe(401);
    await h.cleanup();
    const store = stubAuditStore(refusingAudit("disk full"), "refusing");
    h = await startHarness({ audit: store });
    expect(await call(h.base, "/v1/audit/events", { token: h.tokens.decide, body: marker() })).toMatchObject({ status: 503, body: { code: "AUDIT_UNAVAILABLE" } });
  });
});
