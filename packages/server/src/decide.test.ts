import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, request, startHarness, type Harness } from "./testing/fixtures/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.cleanup();
});

describe("POST /v1/decide", () => {
  it("answers one request with the kernel's decision and a call id, and records it first", async () => {
    const before = h.server.audit.sink.head().seq;
    const allowed = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("support-1", "search", { q: "refund" }) });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({ allowed: true, action: "allow", matched_rule: "allow-search", policy: "support", code: "rule" });
    expect(allowed.body.call_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(allowed.body.policy_digest).toBe(h.server.kernel.digest);
    const denied = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("support-1", "delete") });
    expect(denied.body).toMatchObject({ allowed: false, action: "deny", matched_rule: "block-delete", reason: "No deletes" });
    expect(h.server.audit.sink.head().seq).toBe(before + 2);
    const page = await call(h.base, `/v1/audit?call_id=${String(denied.body.call_id)}`, { token: h.tokens.audit });
    expect(page.body.records).toMatchObject([{ kind: "decision", agent: "support-1", tool: "delete", outcome: { status: "denied" }, decision: { action: "deny", code: "rule" } }]);
  });

  it("answers a batch in order, one record per request", async () => {
    const before = h.server.audit.sink.head().seq;
    const res = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: { requests: [request("a", "search"), request("a", "delete"), { agent: "", context: {} }, request("a", "other")] } });
    expect(res.status).toBe(200);
    const decisions = res.body.decisions as Record<string, unknown>[];
    expect(decisions.map((d) => [d.action, d.code])).toEqual([["allow", "rule"], ["deny", "rule"], ["deny", "invalid_request"], ["deny", "default"]]);
    expect(new Set(decisions.map((d) => d.call_id)).size).toBe(4);
    expect(h.server.audit.sink.head().seq).toBe(before + 4);
  });

  it("refuses a batch over the limit without deciding anything", async () => {
    await h.cleanup();
    h = await startHarness({ maxBatch: 2 });
    const before = h.server.audit.sink.head().seq;
    const res = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: { requests: [request("a", "search"), request("a", "search"), request("a", "search")] } });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe("BATCH_TOO_LARGE");
    expect(h.server.audit.sink.head().seq).toBe(before);
  });

  it("adds a trace with ?explain=true", async () => {
    const res = await call(h.base, "/v1/decide?explain=true", { token: h.tokens.decide, body: request("a", "search") });
    expect(res.body.trace).toContainEqual({ policy: "support", rule: "allow-search", result: "matched" });
  });

  it("records secret-looking arguments redacted, with the digest of the originals", async () => {
    const res = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("a", "search", { q: "x", password: "hunter2" }) });
    const page = await call(h.base, `/v1/audit?call_id=${String(res.body.call_id)}`, { token: h.tokens.audit });
    const [record] = page.body.records as Record<string, unknown>[];
    expect(record?.args).toEqual({ q: "x", password: "[REDACTED]" });
    expect(record?.args_digest).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("POST /v1/outcome", () => {
  it("links the outcome to the decision by call id, once", async () => {
    const decided = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("support-1", "search") });
    const callId = String(decided.body.call_id);
    const outcome = await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: callId, status: "error", duration_ms: 12, error: { name: "TypeError", message: "boom" } } });
    expect(outcome.status).toBe(200);
    expect(outcome.body).toMatchObject({ kind: "outcome", call_id: callId, agent: "support-1", tool: "search", outcome: { status: "error", duration_ms: 12, error: { name: "TypeError", message: "boom" } } });
    expect(outcome.body.hash).toMatch(/^[0-9a-f]{64}$/);
    const again = await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: callId, status: "ok" } });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe("UNKNOWN_CALL");
    const page = await call(h.base, `/v1/audit?call_id=${callId}`, { token: h.tokens.audit });
    expect((page.body.records as Record<string, unknown>[]).map((r) => [r.kind, (r.outcome as { status: string }).status])).toEqual([["decision", "pending"], ["outcome", "error"]]);
  });

  it("has nothing to link for a denied call, and validates the body", async () => {
    const denied = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("support-1", "delete") });
    const res = await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: denied.body.call_id, status: "ok" } });
    expect(res.status).toBe(404);
    const before = h.server.audit.sink.head().seq;
    const bad = await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: "x", status: "done" } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("BAD_REQUEST");
    expect(h.server.audit.sink.head().seq).toBe(before);
  });
});
