import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, request, startHarness, type Harness } from "./testing/fixtures/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ maxBodyBytes: 64 * 1024 });
});
afterEach(async () => {
  await h.cleanup();
});

async function raw(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(h.base + path, { method: "POST", headers: { authorization: `Bearer ${h.tokens.admin}`, ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Sends headers (with a declared length) and waits for the answer without sending the body. */
function declaredOnly(length: number): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.base}/v1/decide`, { method: "POST", headers: { authorization: `Bearer ${h.tokens.decide}`, "content-type": "application/json", "content-length": String(length) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
      });
    });
    req.on("error", reject);
    req.flushHeaders();
  });
}

/** Streams `total` bytes in chunks (no declared length) and collects the answer. */
function streamed(total: number): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.base}/v1/decide`, { method: "POST", headers: { authorization: `Bearer ${h.tokens.decide}`, "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
      });
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    const chunk = `{"agent":"a","context":{"pad":"${"x".repeat(total)}"}}`;
    req.end(chunk);
  });
}

function garbage(text: string): Promise<string> {
  const { port } = new URL(h.base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(text));
    let out = "";
    socket.setEncoding("utf8");
    socket.on("data", (c: string) => (out += c));
    socket.on("end", () => {
      resolve(out);
    });
    socket.on("error", reject);
  });
}

describe("malformed, oversized and garbage requests", () => {
  it("answers clear JSON errors and writes nothing", async () => {
    const before = h.server.audit.sink.head().seq;
    const json = { "content-type": "application/json" };
    const cases: [string, Promise<{ status: number; body: Record<string, unknown> }>, number, string][] = [
      ["bad JSON", raw("/v1/decide", '{"agent": "a", ', json), 400, "BAD_JSON"],
      ["not an object", raw("/v1/decide", "[1,2]", json), 400, "BAD_REQUEST"],
      ["text/plain", raw("/v1/decide", JSON.stringify(request("a", "search")), { "content-type": "text/plain" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["no content type", raw("/v1/decide", JSON.stringify(request("a", "search")), {}), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["latin1 charset", raw("/v1/decide", JSON.stringify(request("a", "search")), { "content-type": "application/json; charset=latin1" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["too deep", raw("/v1/decide", `{"agent":"a","context":${"[".repeat(100)}${"]".repeat(100)}}`, json), 400, "JSON_TOO_DEEP"],
      ["declared too large", declaredOnly(10 * 1024 * 1024), 413, "BODY_TOO_LARGE"],
      ["streamed too large", streamed(200 * 1024), 413, "BODY_TOO_LARGE"],
      ["batch not a list", raw("/v1/decide", '{"requests": 5}', json), 400, "BAD_REQUEST"],
      ["outcome bad JSON", raw("/v1/outcome", "{", json), 400, "BAD_JSON"],
      ["kill bad JSON", raw("/v1/agents/a/kill", "{", json), 400, "BAD_JSON"],
    ];
    for (const [name, pending, status, code] of cases) {
      const res = await pending;
      expect(res.status, name).toBe(status);
      expect(res.body.code, name).toBe(code);
      expect(typeof res.body.message, name).toBe("string");
      expect(JSON.stringify(res.body), name).not.toMatch(/\n\s+at /);
    }
    expect(h.server.audit.sink.head().seq).toBe(before);
    expect(h.server.kernel.quarantine.list()).toEqual([]);
    // Still serving.
    const ok = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("a", "search") });
    expect(ok.body.action).toBe("allow");
  });

  it("answers garbage on the wire with a JSON 400 and closes", async () => {
    const answer = await garbage("NOT HTTP AT ALL\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toMatchObject({ code: "BAD_REQUEST" });
    const huge = await garbage(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(32 * 1024)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
  });

  it("answers unknown routes 404 and wrong methods 405, as JSON", async () => {
    const missing = await call(h.base, "/v2/nothing", { token: h.tokens.admin });
    expect(missing).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    const wrong = await call(h.base, "/v1/decide", { token: h.tokens.admin, method: "GET" });
    expect(wrong).toMatchObject({ status: 405, body: { code: "METHOD_NOT_ALLOWED" } });
    expect(wrong.headers.get("allow")).toBe("POST");
  });
});

describe("auth", () => {
  it("answers 401 without a valid token and 403 without the scope", async () => {
    const cases: [string, string | undefined, string, unknown, number][] = [
      ["no token", undefined, "/v1/decide", request("a", "search"), 401],
      ["unknown token", "agt_not-a-real-token", "/v1/decide", request("a", "search"), 401],
      ["admin token with one character changed", h.tokens.admin.slice(0, -1) + (h.tokens.admin.endsWith("A") ? "B" : "A"), "/v1/audit", undefined, 401],
      ["decide token reading the audit", h.tokens.decide, "/v1/audit", undefined, 403],
      ["decide token reading metrics", h.tokens.decide, "/metrics", undefined, 403],
      ["audit token deciding", h.tokens.audit, "/v1/decide", request("a", "search"), 403],
      ["decide token killing", h.tokens.decide, "/v1/agents/a/kill", {}, 403],
      ["audit token killing everything", h.tokens.audit, "/v1/kill", {}, 403],
    ];
    const before = h.server.audit.sink.head().seq;
    for (const [name, token, path, body, status] of cases) {
      const options: Parameters<typeof call>[2] = {};
      if (token !== undefined) options.token = token;
      if (body !== undefined) options.body = body;
      const res = await call(h.base, path, options);
      expect(res.status, name).toBe(status);
      expect(res.body.code, name).toBe(status === 401 ? "UNAUTHENTICATED" : "FORBIDDEN");
      if (status === 401) expect(res.headers.get("www-authenticate"), name).toMatch(/^Bearer/);
    }
    expect(h.server.audit.sink.head().seq).toBe(before);
    expect(h.server.kernel.killSwitch.engaged).toBe(false);
  });

  it("lets each scope do its job, and admin everything", async () => {
    expect((await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("a", "search") })).status).toBe(200);
    expect((await call(h.base, "/v1/audit", { token: h.tokens.audit })).status).toBe(200);
    expect((await call(h.base, "/v1/audit", { token: h.tokens.admin })).status).toBe(200);
    const metrics = await fetch(`${h.base}/metrics`, { headers: { authorization: `Bearer ${h.tokens.audit}` } });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('agentgov_decisions_total{action="allow",code="rule"} 1');
    expect(text).toContain("agentgov_decision_duration_seconds_count 1");
    expect(text).toMatch(/^agentgov_audit_lag_records \d+$/m);
    expect(text).toContain("agentgov_policy_reload_failures_total 0");
    // healthz is open (probes carry no token).
    const health = await call(h.base, "/healthz");
    expect(health).toMatchObject({ status: 200, body: { status: "ok", audit: { state: "open" }, policies: { count: 1, names: ["support"], last_error: null } } });
  });
});
