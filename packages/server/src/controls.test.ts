import { readFileSync } from "node:fs";
import { join } from "node:path";
import { refusingAudit } from "@agentgov/core/testing";
import { stubAuditStore } from "./testing/fixtures/stub-audit-store.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AGENTS_FILE } from "./agent-controls.js";
import { call, request, startHarness, type Harness } from "./testing/fixtures/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const decide = async (agent: string, tool = "search"): Promise<Record<string, unknown>> =>
  (await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request(agent, tool) })).body;

describe("kill switch and quarantine", () => {
  it("take effect on the next decision, say what they stopped, and are audited", async () => {
    const allowed = await decide("support-1");
    expect(allowed.action).toBe("allow");
    const killed = await call(h.base, "/v1/agents/support-1/kill", { token: h.tokens.admin, body: { reason: "runaway loop" } });
    expect(killed.status).toBe(200);
    expect(killed.body).toMatchObject({ target: "support-1", previous: "active", state: "killed", changed: true, persisted: true, audited: true, not_stopped: { in_flight_calls: 1 } });
    expect(String(killed.body.stops)).toContain("kill_switch");
    expect(await decide("support-1")).toMatchObject({ allowed: false, action: "deny", code: "kill_switch" });
    expect((await decide("support-2")).action).toBe("allow");

    const quarantined = await call(h.base, "/v1/agents/support-2/quarantine", { token: h.tokens.admin, method: "POST" });
    expect(quarantined.body).toMatchObject({ target: "support-2", state: "quarantined", not_stopped: { in_flight_calls: 1 } });
    expect(await decide("support-2")).toMatchObject({ action: "deny", code: "quarantined" });

    const page = await call(h.base, "/v1/audit?tool=agentgov.control", { token: h.tokens.audit });
    expect((page.body.records as Record<string, unknown>[]).map((r) => [r.agent, r.action, (r.ext as { control: { by: string } }).control.by])).toEqual([["support-1", "kill", "admin"], ["support-2", "quarantine", "admin"]]);
    const agents = await call(h.base, "/v1/agents", { token: h.tokens.audit });
    expect(agents.body).toMatchObject({ kill_switch: { engaged: false }, agents: { "support-1": { state: "killed", reason: "runaway loop", by: "admin" }, "support-2": { state: "quarantined" } } });
  });

  it("survive a restart, and release restores the policies' decision", async () => {
    await call(h.base, "/v1/agents/support-1/kill", { token: h.tokens.admin, method: "POST" });
    await call(h.base, "/v1/agents/support-2/quarantine", { token: h.tokens.admin, method: "POST" });
    expect(JSON.parse(readFileSync(join(h.data, AGENTS_FILE), "utf8"))).toMatchObject({ v: 1, holds: { "support-1": { state: "killed" }, "support-2": { state: "quarantined" } } });
    await h.server.close();
    h = await h.restart();
    expect((await decide("support-1")).code).toBe("kill_switch");
    expect((await decide("support-2")).code).toBe("quarantined");
    const released = await call(h.base, "/v1/agents/support-1/release", { token: h.tokens.admin, method: "POST" });
    expect(released.body).toMatchObject({ previous: "killed", state: "active", changed: true, persisted: true, audited: true });
    expect((await decide("support-1")).action).toBe("allow");
    await h.server.close();
    h = await h.restart();
    expect((await decide("support-1")).action).toBe("allow");
    expect((await decide("support-2")).code).toBe("quarantined");
    // The audit chain spans the restarts.
    expect((await call(h.base, "/v1/audit/verify", { token: h.tokens.audit })).body).toMatchObject({ ok: true });
  });

  it("the global kill stops every agent until released, across a restart", async () => {
    const engaged = await call(h.base, "/v1/kill", { token: h.tokens.admin, body: { reason: "incident 42" } });
    expect(engaged.body).toMatchObject({ target: "*", state: "killed", persisted: true, audited: true });
    expect(String(engaged.body.stops)).toContain("every agent");
    expect(await decide("support-1")).toMatchObject({ action: "deny", code: "kill_switch", reason: "Kill switch engaged: incident 42" });
    await h.server.close();
    h = await h.restart();
    expect((await decide("anyone")).code).toBe("kill_switch");
    expect((await call(h.base, "/healthz")).body).toMatchObject({ kill_switch: { engaged: true } });
    await call(h.base, "/v1/kill/release", { token: h.tokens.admin, method: "POST" });
    expect((await decide("support-1")).action).toBe("allow");
  });

  it("refuses malformed agent ids", async () => {
    for (const id of ["%2A", "a%00b", "x".repeat(300), "%E0%A4%A"]) {
      const res = await call(h.base, `/v1/agents/${id}/kill`, { token: h.tokens.admin, method: "POST" });
      expect(res.status, id).toBe(400);
    }
    expect(Object.keys(JSON.parse(readFileSync(join(h.data, "tokens.json"), "utf8")) as object)).toContain("tokens");
  });
});

describe("audit failure", () => {
  it("denies with audit_unavailable when the sink refuses the record, and a release is refused", async () => {
    await h.cleanup();
    const sink = refusingAudit("disk full");
    const store = stubAuditStore(sink, "refusing");
    h = await startHarness({ audit: store });
    const res = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("support-1", "search") });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ allowed: false, action: "deny", code: "audit_unavailable", matched_rule: "allow-search" });
    expect(String(res.body.reason)).toContain("disk full");
    // Nothing is pending: an outcome cannot be reported for a call that was denied.
    const outcome = await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: res.body.call_id, status: "ok" } });
    expect(outcome.status).toBe(404);
    const health = await call(h.base, "/healthz");
    expect(health).toMatchObject({ status: 503, body: { status: "failing" } });
    // A kill still takes effect (it stops more) and says it was not audited.
    const kill = await call(h.base, "/v1/agents/support-2/kill", { token: h.tokens.admin, method: "POST" });
    expect(kill).toMatchObject({ status: 500, body: { code: "AUDIT_UNAVAILABLE", result: { state: "killed", persisted: true, audited: false } } });
    expect((await call(h.base, "/v1/agents", { token: h.tokens.audit })).body).toMatchObject({ agents: { "support-2": { state: "killed" } } });
    // A release (it stops less) is refused without the audit.
    const release = await call(h.base, "/v1/agents/support-2/release", { token: h.tokens.admin, method: "POST" });
    expect(release).toMatchObject({ status: 503, body: { code: "AUDIT_UNAVAILABLE" } });
    expect((await call(h.base, "/v1/agents", { token: h.tokens.audit })).body).toMatchObject({ agents: { "support-2": { state: "killed" } } });
    const metrics = await (await fetch(`${h.base}/metrics`, { headers: { authorization: `Bearer ${h.tokens.audit}` } })).text();
    expect(metrics).toContain('agentgov_decisions_total{action="deny",code="audit_unavailable"}');
    expect(metrics).toContain("agentgov_audit_failed 1");
  });
});
