import { afterEach, describe, expect, it } from "vitest";
import { fetchRunState } from "../adapters/agl-v1/index.js";
import { isRlError } from "../errors.js";
import { trustedKeys } from "../integrity/keys.js";
import { createRlRun } from "../run/run.js";
import { testGuard, testSigner } from "../testing/fixtures/config.js";
import { expectGolden, readGolden } from "../testing/fixtures/golden.js";
import { assemble, createRlGuardHandler, startRlGuardServer, type RlGuardServer, type RlGuardServerOptions } from "./index.js";
import { extractOpenAiJson } from "./transcript.js";

const TOKEN = "server-token-0123456789";
const PATH = "reward-path-token-0123456789";
const keys = trustedKeys([testSigner().publicKey]);
const servers: RlGuardServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function start(extra: Partial<RlGuardServerOptions> = {}): Promise<RlGuardServer & { options: RlGuardServerOptions }> {
  const options: RlGuardServerOptions = {
    guard: testGuard(), keys, token: TOKEN,
    reward: { pathToken: PATH, scorer: ({ label }) => (label === "pass" ? 1 : 0) },
    ...extra,
  };
  const s = await startRlGuardServer(options);
  servers.push(s);
  return { ...s, options };
}
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { "content-type": "application/json" };
async function post(s: RlGuardServer, path: string, body: unknown, headers: Record<string, string> = { ...auth, ...json }): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${s.url}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()), headers: res.headers };
}
async function get(s: RlGuardServer, path: string, headers: Record<string, string> = auth): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${s.url}${path}`, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // text body
  }
  return { status: res.status, body, headers: res.headers };
}
type Ev = { event_type: string; data: Record<string, unknown> };
const goldenEvents = (): Ev[] => readGolden("agl-v1/events.json") as Ev[];
const verifyBody = (events: unknown[] = goldenEvents(), rest: Record<string, unknown> = {}): Record<string, unknown> => ({ run_id: "run-test", rollout_id: "ro-9f2c", attempt_id: "0", events, ...rest });

describe("guard server: setup", () => {
  it("refuses a non-loopback host, a weak token, a bad path token and an unknown extractor", async () => {
    const guard = testGuard();
    const cases: Partial<RlGuardServerOptions>[] = [
      { host: "0.0.0.0" }, { host: "192.168.1.1" }, { token: "short" }, { token: "has space in the token" },
      { reward: { pathToken: "short", scorer: () => 1 } }, { reward: { pathToken: "has/slash/in/the/token", scorer: () => 1 } },
      { reward: { pathToken: PATH, scorer: () => 1, extract: "nope" as "hermes" } },
    ];
    for (const c of cases) {
      const err = await startRlGuardServer({ guard, keys, token: TOKEN, ...c }).catch((e: unknown) => e);
      expect(isRlError(err, "RL_CONFIG_INVALID")).toBe(true);
    }
  });
  it("answers healthz, 404 JSON for unknown routes, 405 for wrong methods, /metrics only when configured", async () => {
    const s = await start();
    expect(await get(s, "/healthz", {})).toMatchObject({ status: 200, body: { ok: true } });
    expect(await get(s, "/nope", {})).toMatchObject({ status: 404, body: { code: "not_found" } });
    expect(await get(s, "/metrics", {})).toMatchObject({ status: 404 });
    expect(await post(s, "/healthz", {})).toMatchObject({ status: 405, body: { code: "method_not_allowed" } });
    expect(await get(s, "/v1/verify")).toMatchObject({ status: 405 });
    const m = await start({ metrics: () => "agentgov_rl_kill_state 0\n" });
    const r = await get(m, "/metrics", {});
    expect(r).toMatchObject({ status: 200, body: "agentgov_rl_kill_state 0\n" });
    expect(r.headers.get("content-type")).toContain("text/plain");
  });
  it("answers an unexpected error with a 500 that leaks nothing", async () => {
    const s = await start({ metrics: () => { throw new Error("secret internals"); } });
    const r = await get(s, "/metrics", {});
    expect(r).toEqual({ status: 500, body: { code: "internal_error", message: "internal error" }, headers: r.headers });
  });
});

describe("GET /v1/run/state", () => {
  it("needs the bearer token", async () => {
    const s = await start();
    for (const headers of [{}, { authorization: "Bearer wrong-token-0123456789" }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN} x` }]) {
      const r = await get(s, "/v1/run/state", headers);
      expect(r).toMatchObject({ status: 401, body: { code: "unauthorized" } });
      expect(r.headers.get("www-authenticate")).toBe("Bearer");
    }
  });
  it("serves the run state (golden), which fetchRunState reads", async () => {
    const s = await start();
    s.options.guard.setState({ epoch: 7, penaltyScale: 0.4 });
    const r = await get(s, "/v1/run/state");
    expect(r.status).toBe(200);
    expectGolden("server/run-state.json", r.body);
    expect(await fetchRunState(s.url, TOKEN, { tries: 1 })).toEqual(r.body);
    s.options.guard.killSwitch.engage("operator");
    expect(await fetchRunState(s.url, TOKEN, { tries: 1 })).toMatchObject({ killed: true });
    expect(isRlError(await fetchRunState(s.url, "wrong-token-0123456789", { tries: 1 }).catch((e: unknown) => e), "RL_CONTROLLER_UNREACHABLE")).toBe(true);
  });
});

describe("POST /v1/verify", () => {
  it("verifies the golden attempt events (golden response); a second time the nonce is reused", async () => {
    const s = await start();
    const ok = await post(s, "/v1/verify", verifyBody());
    expect(ok.status).toBe(200);
    expectGolden("server/verify-ok.json", ok.body);
    const again = await post(s, "/v1/verify", verifyBody());
    expectGolden("server/verify-nonce-reused.json", again.body);
  });
  it("needs the bearer token and changes nothing without it", async () => {
    const s = await start();
    expect(await post(s, "/v1/verify", verifyBody(), json)).toMatchObject({ status: 401 });
    expect(await post(s, "/v1/verify", verifyBody())).toMatchObject({ status: 200, body: { ok: true } });
  });
  it("fails every tampered attempt with the integrity floor and a reason", async () => {
    const s = await start();
    const ev = goldenEvents();
    const chain = ev[0] as Ev;
    const reward = ev[2] as Ev;
    const recs = chain.data.records as Record<string, unknown>[];
    const cases: [unknown[], Record<string, unknown>, string][] = [
      [ev, { rollout_id: "other" }, "replay"],
      [ev, { attempt_id: "1" }, "replay"],
      [ev, { run_id: "run-other" }, "replay"],
      [[{ ...chain, data: { ...chain.data, records: recs.slice(0, -1) } }, ...ev.slice(1)], {}, "chain"],
      [[chain, { ...chain, data: { ...chain.data, records: recs.slice(1) } }, ...ev.slice(1)], {}, "chain"],
      [[{ ...chain, data: { ...chain.data, from: 1 } }, ...ev.slice(1)], {}, "chain"],
      [[{ ...chain, data: { v: 2 } }, ...ev.slice(1)], {}, "chain"],
      [ev.slice(0, 2), {}, "malformed"],
      [[...ev, { event_type: "reward", data: { value: 1, source: "policy" } }], {}, "malformed"],
      [[...ev.slice(0, 2), { ...reward, data: { ...reward.data, value: 0.25 } }], {}, "rederive-mismatch"],
      [[...ev.slice(0, 2), { ...reward, data: { ...reward.data, value: 1, agentgov: { ...(reward.data.agentgov as object), final: 1 } } }], {}, "bad-signature"],
      [[...ev.slice(0, 2), { event_type: "reward", data: "x" }], {}, "malformed"],
    ];
    for (const [events, rest, reason] of cases) {
      const r = await post(s, "/v1/verify", verifyBody(events, rest));
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ ok: false, final: -1, keyid: null, reason });
    }
    // Identical duplicate chain events are tolerated; the honest attempt still verifies (no failure consumed its nonce).
    expect(await post(s, "/v1/verify", verifyBody([chain, ...ev]))).toMatchObject({ status: 200, body: { ok: true } });
  });
  it("feeds verified records to the run controller", async () => {
    const guard = testGuard();
    const run = createRlRun(guard, { keys });
    const s = await start({ guard, run });
    expect(await post(s, "/v1/verify", verifyBody())).toMatchObject({ body: { ok: true, final: 0.7 } });
    expect(await post(s, "/v1/verify", verifyBody())).toMatchObject({ body: { ok: false, reason: "nonce-reused" } });
    const report = run.endEpoch();
    expect(report).toMatchObject({ episodes: 1, integrity: { ok: 1, failed: 1, by_reason: { "nonce-reused": 1 } } });
  });
  it("answers garbage with 400/413/415 JSON errors and changes nothing", async () => {
    const s = await start();
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const cases: [unknown, Record<string, string>, number, string][] = [
      ["{not json", { ...auth, ...json }, 400, "bad_json"],
      ["", { ...auth, ...json }, 400, "bad_json"],
      [[1, 2], { ...auth, ...json }, 400, "bad_request"],
      [verifyBody(goldenEvents(), { extra: 1 }), { ...auth, ...json }, 400, "bad_request"],
      [verifyBody(goldenEvents(), { rollout_id: "" }), { ...auth, ...json }, 400, "bad_request"],
      [verifyBody(goldenEvents(), { attempt_id: 0 }), { ...auth, ...json }, 400, "bad_request"],
      [verifyBody(goldenEvents(), { run_id: "x".repeat(300) }), { ...auth, ...json }, 400, "bad_request"],
      [verifyBody("nope" as unknown as unknown[]), { ...auth, ...json }, 400, "bad_request"],
      [verifyBody([{ data: {} }]), { ...auth, ...json }, 400, "bad_request"],
      [verifyBody([null]), { ...auth, ...json }, 400, "bad_request"],
      [verifyBody(deep as unknown[]), { ...auth, ...json }, 400, "too_deep"],
      [JSON.stringify(verifyBody()), { ...auth, "content-type": "text/plain" }, 415, "unsupported_media_type"],
      [JSON.stringify({ pad: "x".repeat(1024 * 1024 + 1) }), { ...auth, ...json }, 413, "too_large"],
      [Buffer.from([0x7b, 0xff, 0x7d]).toString("latin1"), { ...auth, ...json }, 400, "bad_json"],
    ];
    for (const [body, headers, status, code] of cases) {
      const r = await post(s, "/v1/verify", body, headers);
      expect([r.status, r.body]).toMatchObject([status, { code }]);
      expect(typeof (r.body as { message: unknown }).message).toBe("string");
    }
    const invalidUtf8 = await fetch(`${s.url}/v1/verify`, { method: "POST", headers: { ...auth, ...json }, body: Buffer.from([0x22, 0xc3, 0x28, 0x22]) });
    expect([invalidUtf8.status, await invalidUtf8.json()]).toMatchObject([400, { code: "bad_json" }]);
    expect(await post(s, "/v1/verify", verifyBody())).toMatchObject({ status: 200, body: { ok: true } });
    expect(s.options.guard.state()).toMatchObject({ epoch: 0, killed: false });
  });
  it("assemble() rebuilds a log from out-of-order chunks", () => {
    const ev = goldenEvents();
    const chain = ev[0] as Ev;
    const recs = chain.data.records as unknown[];
    const split = [
      { event_type: "agentgov.rl.chain", data: { v: 1, from: 2, records: recs.slice(2) } },
      { event_type: "agentgov.rl.chain", data: { v: 1, from: 0, records: recs.slice(0, 2) } },
      ...ev.slice(1),
    ];
    expect(assemble(split)).toMatchObject({ log: recs });
  });
});

describe("POST /get_reward/{path_token} (OpenRLHF remote reward)", () => {
  it("audits the transcripts, shapes and signs: the golden OpenRLHF response", async () => {
    const guard = testGuard();
    const run = createRlRun(guard, { keys });
    guard.setState({ penaltyScale: 0.6 });
    const s = await start({ guard, run });
    const r = await post(s, `/get_reward/${PATH}`, readGolden("server/get-reward-request.json"), json);
    expect(r.status).toBe(200);
    expectGolden("server/get-reward-response.json", r.body);
    expect(run.endEpoch()).toMatchObject({ episodes: 3, integrity: { ok: 3, failed: 0 } });
  });
  it("hides the route behind the path token and refuses garbage with 400", async () => {
    const s = await start();
    expect(await post(s, "/get_reward/wrong-path-token-000000000", { query: ["x"] }, json)).toMatchObject({ status: 404 });
    expect(await post(s, "/get_reward/", { query: ["x"] }, json)).toMatchObject({ status: 404 });
    const none = await startRlGuardServer({ guard: testGuard(), keys, token: TOKEN });
    servers.push(none);
    expect(await post(none, `/get_reward/${PATH}`, { query: ["x"] }, json)).toMatchObject({ status: 404 });
    for (const body of [[], { query: [] }, { query: "x" }, { query: [1] }, { query: ["x"], prompts: ["a", "b"] }, { query: ["x"], prompts: [1] }, { query: ["x"], labels: [] }, { query: Array(1025).fill("x") }]) {
      expect(await post(s, `/get_reward/${PATH}`, body, json)).toMatchObject({ status: 400, body: { code: "bad_request" } });
    }
  });
  it("fails closed: scorer errors and non-finite scores are 500, a kill is 503, an unreadable transcript 400 — no reward", async () => {
    const failing = await start({ reward: { pathToken: PATH, scorer: () => { throw new Error("secret"); } } });
    const e1 = await post(failing, `/get_reward/${PATH}`, { query: ["x"] }, json);
    expect(e1).toMatchObject({ status: 500, body: { code: "scorer_failed" } });
    expect(JSON.stringify(e1.body)).not.toContain("secret");
    const nan = await start({ reward: { pathToken: PATH, scorer: () => Number.NaN } });
    expect(await post(nan, `/get_reward/${PATH}`, { query: ["x"] }, json)).toMatchObject({ status: 500, body: { code: "scorer_failed" } });
    const killed = await start();
    killed.options.guard.killSwitch.engage("operator");
    expect(await post(killed, `/get_reward/${PATH}`, { query: ["x"] }, json)).toMatchObject({ status: 503, body: { code: "RL_KILLED" } });
    const oa = await start({ reward: { pathToken: PATH, scorer: () => 1, extract: "openai-json" } });
    expect(await post(oa, `/get_reward/${PATH}`, { query: ["not json"] }, json)).toMatchObject({ status: 400, body: { code: "bad_transcript" } });
  });
  it("times out a hanging handler with 503", async () => {
    const s = await start({ handlerTimeoutMs: 50, reward: { pathToken: PATH, scorer: () => new Promise<number>(() => undefined) } });
    expect(await post(s, `/get_reward/${PATH}`, { query: ["x"] }, json)).toMatchObject({ status: 503, body: { code: "timeout" } });
  });
  it("extracts OpenAI JSON transcripts and a custom extractor", async () => {
    const q = JSON.stringify([{ role: "assistant", tool_calls: [{ id: "a", function: { name: "edit_file", arguments: '{"path":"tests/t.py"}' } }, { id: "b", function: null }] }]);
    expect(extractOpenAiJson(q)).toEqual([{ id: "t1", name: "edit_file", args: { path: "tests/t.py" } }, { id: "t2", name: "", args: null }]);
    expect(extractOpenAiJson(JSON.stringify({ messages: [{ role: "user", content: "x" }] }))).toEqual([]);
    expect(() => extractOpenAiJson("3")).toThrow();
    const oa = await start({ reward: { pathToken: PATH, scorer: () => 1, extract: "openai-json" } });
    expect(await post(oa, `/get_reward/${PATH}`, { query: [q] }, json)).toMatchObject({ status: 200, body: { rewards: [1], extra_logs: { "agentgov/violations": [2], "agentgov/blocked": [2] } } });
    const custom = await start({ reward: { pathToken: PATH, scorer: () => 1, extract: () => { throw new Error("no"); } } });
    expect(await post(custom, `/get_reward/${PATH}`, { query: ["x"] }, json)).toMatchObject({ status: 400, body: { code: "bad_transcript" } });
  });
  it("the handler can be embedded", () => {
    expect(typeof createRlGuardHandler({ guard: testGuard(), keys, token: TOKEN })).toBe("function");
  });
});
