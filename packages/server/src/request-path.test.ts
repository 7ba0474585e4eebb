import { describe, expect, it } from "vitest";
import { newCallId } from "./call-ids.js";
import type { Route } from "./context.js";
import { createMetrics, LATENCY_BUCKETS } from "./metrics.js";
import { compileRoutes, matchRoute } from "./router.js";
import { createAuthenticator, MAX_REMEMBERED_TOKENS, tokenDigest, type StoredToken } from "./tokens.js";

describe("newCallId", () => {
  it("is a version 7 UUID, ordered by time, unique", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newCallId(1_700_000_000_000 + Math.floor(i / 10)));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const times = ids.map((id) => id.slice(0, 13));
    expect([...times].sort()).toEqual(times);
    expect(newCallId(0xabcdef012345).startsWith("abcdef01-2345-7")).toBe(true);
  });
});

describe("metrics", () => {
  const gauges = { auditLag: () => 0, auditHeadSeq: () => 0, auditFailed: () => false, policiesLoaded: () => 1, reloadFailures: () => 0, reloads: () => 0, killSwitchEngaged: () => false, heldAgents: () => 0, pendingCalls: () => 0, approvalsPending: () => 0 };

  it("counts by label pair and renders a cumulative histogram", () => {
    const m = createMetrics(gauges);
    m.decision("allow", "rule", 0.00005);
    m.decision("allow", "rule", 0.0003);
    m.decision("deny", 'we"ird', 2);
    m.request("decide", 200);
    const text = m.render();
    expect(text).toContain('agentgov_decisions_total{action="allow",code="rule"} 2');
    expect(text).toContain('agentgov_decisions_total{action="deny",code="we\\"ird"} 1');
    expect(text).toContain('agentgov_http_requests_total{route="decide",status="200"} 1');
    expect(text).toContain('agentgov_decision_duration_seconds_bucket{le="0.0001"} 1');
    expect(text).toContain('agentgov_decision_duration_seconds_bucket{le="0.0005"} 2');
    expect(text).toContain(`agentgov_decision_duration_seconds_bucket{le="${String(LATENCY_BUCKETS.at(-1))}"} 2`);
    expect(text).toContain('agentgov_decision_duration_seconds_bucket{le="+Inf"} 3');
  });

  it("bounds the series: new label pairs past the bound are counted as other", () => {
    const m = createMetrics(gauges);
    for (let i = 0; i < 300; i++) m.request(`r${String(i)}`, 200);
    m.request("r0", 200);
    const lines = m.render().split("\n").filter((l) => l.startsWith("agentgov_http_requests_total{"));
    expect(lines).toHaveLength(257);
    expect(lines).toContain('agentgov_http_requests_total{route="other",status="other"} 44');
    expect(lines).toContain('agentgov_http_requests_total{route="r0",status="200"} 2');
  });
});

describe("compileRoutes", () => {
  const handle = (): Promise<void> => Promise.resolve();
  const routes: Route[] = [
    { method: "POST", path: "/v1/decide", scope: null, name: "decide", handle },
    { method: "GET", path: "/v1/approvals", scope: null, name: "list", handle },
    { method: "GET", path: "/v1/approvals/:id", scope: null, name: "one", handle },
    { method: "POST", path: "/v1/approvals/:id/approve", scope: null, name: "approve", handle },
    { method: "GET", path: "/v1/agents/:id", scope: null, name: "agent", handle },
    { method: "GET", path: "/v1/agents/all", scope: null, name: "all", handle },
    { method: "GET", path: "/healthz", scope: null, name: "health", handle },
  ];
  it("matches exactly as the scan does", () => {
    const table = compileRoutes(routes);
    const paths = ["/v1/decide", "/v1/approvals", "/v1/approvals/x", "/v1/approvals/x/approve", "/v1/approvals/", "/v1/agents/all", "/v1/agents/b", "/healthz", "/nope", "/"];
    for (const path of paths) for (const method of ["GET", "POST", "HEAD", "DELETE"]) {
      const fast = table.match(method, path);
      const slow = matchRoute(routes, method, path);
      expect(fast.route?.name, `${method} ${path}`).toBe(slow.route?.name);
      expect(fast.route === null ? fast.allowed : fast.params, `${method} ${path}`).toEqual(slow.route === null ? slow.allowed : slow.params);
    }
  });
});

describe("authenticator", () => {
  it("remembers tokens that authenticated, never one that failed", () => {
    const stored: StoredToken[] = [{ id: "a", sha256: tokenDigest("agt_right"), scopes: ["decide"], created: "" }];
    const auth = createAuthenticator(stored);
    expect(auth.authenticate("Bearer agt_wrong")).toBeNull();
    for (let i = 0; i < 3; i++) expect(auth.authenticate("Bearer agt_right")).toEqual({ id: "a", scopes: ["decide"] });
    expect(auth.authenticate("Bearer agt_wrong")).toBeNull();
    expect(auth.authenticate("Bearer agt_righ")).toBeNull();
    expect(auth.authenticate("Bearer agt_right ")).toBeNull();
    expect(auth.authenticate(undefined)).toBeNull();
    expect(MAX_REMEMBERED_TOKENS).toBeGreaterThan(0);
  });

  it("keeps authenticating every token past the bound of remembered ones", () => {
    const tokens = Array.from({ length: MAX_REMEMBERED_TOKENS + 10 }, (_, i) => `agt_t${String(i)}`);
    const auth = createAuthenticator(tokens.map((t, i) => ({ id: `id${String(i)}`, sha256: tokenDigest(t), scopes: ["decide"], created: "" })));
    for (let round = 0; round < 2; round++) {
      tokens.forEach((t, i) => {
        expect(auth.authenticate(`Bearer ${t}`)?.id).toBe(`id${String(i)}`);
      });
    }
  });
});
