import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { call, request, startHarness, type Harness } from "./testing/fixtures/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** search allowed twice a minute per agent, delete denied. */
const LIMITED = `apiVersion: agentgov/v1
name: support
default_action: deny
rules:
  - name: allow-search
    condition: "tool.name == 'search'"
    action: allow
    limit: 2/minute
  - name: block-delete
    condition: "tool.name == 'delete'"
    action: deny
`;

/** search allowed before and after the tool. */
const BOTH_STAGES = `apiVersion: agentgov/v1
name: support
default_action: deny
rules:
  - name: allow-search
    condition: "tool.name == 'search'"
    action: allow
  - name: allow-search-output
    stage: post_tool
    condition: "tool.name == 'search'"
    action: allow
`;

const recordsOf = async (harness: Harness, callId: string): Promise<Record<string, unknown>[]> =>
  (await call(harness.base, `/v1/audit?call_id=${encodeURIComponent(callId)}`, { token: harness.tokens.audit })).body.records as Record<string, unknown>[];

describe("durable acknowledgement", () => {
  it("answers /v1/decide only once the record is committed (another connection sees it)", async () => {
    h = await startHarness();
    const res = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("alice", "search") });
    expect(res.body.action).toBe("allow");
    const db = new Database(h.server.audit.location, { readonly: true });
    try {
      const row = db.prepare<[string], { kind: string }>("SELECT kind FROM audit_log WHERE call_id = ?").get(String(res.body.call_id));
      expect(row).toEqual({ kind: "decision" });
    } finally {
      db.close();
    }
    expect(h.server.audit.lag()).toBe(0);
  });

  it("waits for the JSONL store's flush too", async () => {
    h = await startHarness({ auditStore: "jsonl" });
    const res = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("alice", "search") });
    expect(res.body.action).toBe("allow");
    expect(readFileSync(h.server.audit.location, "utf8")).toContain(`"call_id":"${String(res.body.call_id)}"`);
  });

  it("acknowledges on append with ack: appended, and refuses an unknown ack", async () => {
    h = await startHarness({ ack: "appended" });
    const res = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("alice", "search") });
    expect(res.body.action).toBe("allow");
    await h.cleanup();
    h = undefined;
    await expect(startHarness({ ack: "later" as "durable" })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
  });
});

describe("?dryRun=true", () => {
  it("decides without recording and without counting the rate limit", async () => {
    h = await startHarness({}, LIMITED);
    const before = h.server.audit.sink.head().seq;
    for (let i = 0; i < 3; i++) {
      const dry = await call(h.base, "/v1/decide?dryRun=true", { token: h.tokens.decide, body: request("alice", "search") });
      expect(dry.body).toMatchObject({ allowed: true, matched_rule: "allow-search" });
      expect(typeof dry.body.call_id).toBe("string");
      // Not waiting for an outcome either.
      expect((await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: dry.body.call_id, status: "ok" } })).status).toBe(404);
    }
    const denied = await call(h.base, "/v1/decide?dryRun=true", { token: h.tokens.decide, body: request("alice", "delete") });
    expect(denied.body).toMatchObject({ allowed: false, matched_rule: "block-delete" });
    expect(h.server.audit.sink.head().seq).toBe(before);
    // The limit is untouched: two real calls pass, the third is limited.
    const real = [];
    for (let i = 0; i < 3; i++) real.push((await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("alice", "search") })).body.code);
    expect(real).toEqual(["rule", "rule", "rate_limited"]);
    expect(h.server.audit.sink.head().seq).toBe(before + 3);
  });

  it("applies to a batch, with the explain trace when asked", async () => {
    h = await startHarness();
    const before = h.server.audit.sink.head().seq;
    const res = await call(h.base, "/v1/decide?dryRun=true&explain=true", { token: h.tokens.decide, body: { requests: [request("a", "search"), request("a", "delete")] } });
    const decisions = res.body.decisions as Record<string, unknown>[];
    expect(decisions.map((d) => d.action)).toEqual(["allow", "deny"]);
    expect(decisions[0]?.trace).toContainEqual({ policy: "support", rule: "allow-search", result: "matched" });
    expect(h.server.audit.sink.head().seq).toBe(before);
  });
});

describe("pending outcomes", () => {
  it("keeps only allowed pre_tool calls waiting for an outcome, not post_tool decisions", async () => {
    h = await startHarness({}, BOTH_STAGES);
    const post = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: { ...request("alice", "search"), stage: "post_tool" } });
    expect(post.body).toMatchObject({ allowed: true, matched_rule: "allow-search-output" });
    const res = await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: post.body.call_id, status: "ok" } });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("UNKNOWN_CALL");
    // The post_tool decision is recorded all the same.
    expect(await recordsOf(h, String(post.body.call_id))).toMatchObject([{ kind: "decision", stage: "post_tool" }]);
    const pre = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("alice", "search") });
    expect((await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: pre.body.call_id, status: "ok" } })).status).toBe(200);
  });
});

describe("client call ids", () => {
  it("uses the client's call_id in the answer and the audit, and frees it once the outcome is reported", async () => {
    h = await startHarness();
    const res = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: { ...request("alice", "search"), call_id: "model-call-1" } });
    expect(res.body).toMatchObject({ allowed: true, call_id: "model-call-1" });
    const again = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: { ...request("alice", "search"), call_id: "model-call-1" } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("CALL_ID_IN_USE");
    expect((await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: "model-call-1", status: "ok" } })).status).toBe(200);
    const reused = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: { ...request("alice", "search"), call_id: "model-call-1" } });
    expect(reused.body.call_id).toBe("model-call-1");
    expect((await recordsOf(h, "model-call-1")).map((r) => r.kind)).toEqual(["decision", "outcome", "decision"]);
  });

  it("refuses a malformed call_id, and duplicates in one batch, before deciding anything", async () => {
    h = await startHarness();
    const before = h.server.audit.sink.head().seq;
    for (const bad of ["", "has space", "x".repeat(129), 42, null, "caf\u00e9"]) {
      const res = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: { ...request("alice", "search"), call_id: bad } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("BAD_REQUEST");
    }
    const batch = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: { requests: [{ ...request("a", "search"), call_id: "same" }, { ...request("a", "delete"), call_id: "same" }] } });
    expect(batch.status).toBe(409);
    expect(h.server.audit.sink.head().seq).toBe(before);
    const ok = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: { requests: [{ ...request("a", "search"), call_id: "c-1" }, request("a", "search")] } });
    const ids = (ok.body.decisions as { call_id: string }[]).map((d) => d.call_id);
    expect(ids[0]).toBe("c-1");
    expect(ids[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
