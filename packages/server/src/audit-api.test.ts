import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, request, startHarness, type Harness } from "./testing/fixtures/harness.js";

describe.each(["sqlite", "jsonl"] as const)("with the %s store", (store) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ auditStore: store });
    const requests = [request("alice", "search"), request("bob", "search"), request("alice", "delete"), request("bob", "other"), request("alice", "search")];
    const res = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: { requests } });
    expect(res.status).toBe(200);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  type Rec = Record<string, unknown> & { seq: number; agent: string; tool: string; decision: { action: string } };
  const records = (body: Record<string, unknown>): Rec[] => body.records as Rec[];

  describe("GET /v1/audit", () => {
    it("filters by agent, tool and decision action", async () => {
      const byAgent = await call(h.base, "/v1/audit?agent=alice", { token: h.tokens.audit });
      expect(records(byAgent.body).map((r) => r.tool)).toEqual(["search", "delete", "search"]);
      const denies = await call(h.base, "/v1/audit?decision=deny", { token: h.tokens.audit });
      expect(records(denies.body).map((r) => [r.agent, r.tool])).toEqual([["alice", "delete"], ["bob", "other"]]);
      const both = await call(h.base, "/v1/audit?agent=bob&tool=search", { token: h.tokens.audit });
      expect(records(both.body)).toHaveLength(1);
    });

    it("filters by time range", async () => {
      const all = records((await call(h.base, "/v1/audit", { token: h.tokens.audit })).body);
      const first = all[0];
      expect(first).toBeDefined();
      const ts = Date.parse(String(first?.ts));
      const future = new Date(ts + 3_600_000).toISOString();
      expect(records((await call(h.base, `/v1/audit?since=${future}`, { token: h.tokens.audit })).body)).toEqual([]);
      expect(records((await call(h.base, `/v1/audit?until=${future}`, { token: h.tokens.audit })).body)).toHaveLength(5);
      expect(records((await call(h.base, `/v1/audit?until=${ts}`, { token: h.tokens.audit })).body)).toEqual([]);
    });

    it("pages with a cursor through every record exactly once", async () => {
      const seen: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await call(h.base, `/v1/audit?limit=2${cursor === undefined ? "" : `&cursor=${cursor}`}`, { token: h.tokens.audit });
        expect(res.status).toBe(200);
        seen.push(...records(res.body).map((r) => r.seq));
        cursor = String(res.body.next_cursor);
        if (res.body.has_more !== true) break;
      }
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      // The last cursor follows the log: a new record shows up on the next page.
      await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("carol", "search") });
      const next = await call(h.base, `/v1/audit?cursor=${String(cursor)}`, { token: h.tokens.audit });
      expect(records(next.body).map((r) => [r.seq, r.agent])).toEqual([[6, "carol"]]);
    });

    it("refuses bad parameters with 400", async () => {
      for (const query of ["limit=0", "limit=100000", "cursor=bm9wZQ", "since=yesterday", "agnet=alice", "kind=other"]) {
        const res = await call(h.base, `/v1/audit?${query}`, { token: h.tokens.audit });
        expect(res.status, query).toBe(400);
        expect(["BAD_REQUEST", "INVALID_CURSOR"], query).toContain(res.body.code);
      }
    });
  });

  describe("GET /v1/audit/verify", () => {
    it("verifies the live log against its pinned key", async () => {
      const res = await call(h.base, "/v1/audit/verify", { token: h.tokens.audit });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true, records: 5, lastSeq: 5 });
      expect(res.body.keyId).toMatch(/^[0-9a-f]{64}$/);
    });

    it("reports a tampered log", async () => {
      const { readFileSync, writeFileSync } = await import("node:fs");
      await h.server.audit.sink.flush();
      const path = h.server.audit.location;
      if (store === "jsonl") writeFileSync(path, readFileSync(path, "utf8").replace('"agent":"bob"', '"agent":"eve"'));
      else {
        const db = new Database(path);
        db.prepare("UPDATE audit_log SET line = replace(line, '\"agent\":\"bob\"', '\"agent\":\"eve\"') WHERE type = 'record' AND seq = 2").run();
        db.close();
      }
      const res = await call(h.base, "/v1/audit/verify", { token: h.tokens.audit });
      expect(res.body).toMatchObject({ ok: false, error: { reason: "hash_mismatch", seq: 2 } });
    });
  });
});
