import { afterEach, describe, expect, it } from "vitest";
import { isRlError } from "../../errors.js";
import { trustedKeys } from "../../integrity/keys.js";
import type { RewardRecordV1 } from "../../integrity/record.js";
import { verifyRewardRecord } from "../../integrity/verify.js";
import { testConfig, testGuard, testSigner } from "../../testing/fixtures/config.js";
import { startFakeGateway, type FakeGateway } from "../../testing/fixtures/fake-gateway.js";
import { expectGolden, readGolden } from "../../testing/fixtures/golden.js";
import { aglEpisodeRef, CHAIN_CHUNK, createAglClient, episodeEvents, fetchRunState, readAglEnv, reportEpisode, scrubEnv, type AglEnv } from "./index.js";

const KEY = "agl-test-key-0123456789";
const fakes: FakeGateway[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});
async function gateway(): Promise<FakeGateway> {
  const f = await startFakeGateway(KEY);
  fakes.push(f);
  return f;
}
const envFor = (base: string, rid = "ro-9f2c", aid = "0", mode = "train"): Record<string, string> => ({
  AGL_EVENT_URL: `${base}/mode/${mode}/api/rollouts/${rid}/attempt/${aid}/events`, AGL_KEY: KEY, AGL_OPENAI_BASE_URL: `${base}/v1`,
});
const fast = { backoffMs: () => 1, timeoutMs: 2000 };

async function episode(env: AglEnv): Promise<{ records: Record<string, unknown>[]; record: RewardRecordV1 }> {
  const guard = testGuard();
  guard.setState({ epoch: 41, penaltyScale: 0.6 });
  const ep = guard.beginEpisode(aglEpisodeRef(env, "run-test"));
  ep.gate({ id: "c1", name: "read_file", args: { path: "src/a.py" } });
  ep.recordResult("c1", { ok: true });
  ep.gate({ id: "c2", name: "edit_file", args: { path: "tests/t.py" } });
  ep.gate({ id: "c3", name: "edit_file", args: { path: "src/a.py" } });
  ep.recordResult("c3", { ok: true });
  const record = await ep.finish({ base: 1 });
  return { records: ep.log.records().map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>), record };
}
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return isRlError(error, "RL_CONFIG_INVALID") ? "RL_CONFIG_INVALID" : String(error);
  }
  return "no error";
};

describe("readAglEnv", () => {
  it("derives rollout, attempt and mode from AGL_EVENT_URL", () => {
    expect(readAglEnv(envFor("http://gw:8000", "r%2F1", "2", "val"))).toEqual({
      eventUrl: "http://gw:8000/mode/val/api/rollouts/r%2F1/attempt/2/events", key: KEY, openaiBaseUrl: "http://gw:8000/v1", rolloutId: "r/1", attemptId: "2", mode: "val",
    });
    expect(readAglEnv({ ...envFor("http://gw"), AGL_OPENAI_BASE_URL: "" }).openaiBaseUrl).toBeUndefined();
  });
  it("refuses a missing or malformed environment", () => {
    const ok = envFor("http://gw");
    for (const bad of [
      {}, { ...ok, AGL_EVENT_URL: "" }, { ...ok, AGL_KEY: "" }, { ...ok, AGL_KEY: "a b" }, { ...ok, AGL_KEY: "a\nb" },
      { ...ok, AGL_EVENT_URL: "not a url" }, { ...ok, AGL_EVENT_URL: "ftp://gw/mode/train/api/rollouts/r/attempt/0/events" },
      { ...ok, AGL_EVENT_URL: "http://u:p@gw/mode/train/api/rollouts/r/attempt/0/events" },
      { ...ok, AGL_EVENT_URL: "http://gw/api/rollouts/r/attempt/0/events" }, { ...ok, AGL_EVENT_URL: "http://gw/mode/train/api/rollouts/r/events" },
      { ...ok, AGL_EVENT_URL: "http://gw/mode/eval/api/rollouts/r/attempt/0/events" }, { ...ok, AGL_EVENT_URL: "http://gw/mode/train/api/rollouts/%E0%A4%A/attempt/0/events" },
      { ...ok, AGL_EVENT_URL: `http://gw/mode/train/api/rollouts/${"x".repeat(300)}/attempt/0/events` },
    ]) expect(code(() => readAglEnv(bad))).toBe("RL_CONFIG_INVALID");
  });
});

describe("scrubEnv", () => {
  it("drops AGL_*, AGENTGOV_* and key/token/secret variables", () => {
    expect(scrubEnv({ PATH: "/bin", HOME: "/h", AGL_KEY: "k", AGL_EVENT_URL: "u", AGENTGOV_RL_KEY_FILE: "f", OPENAI_API_KEY: "s", GH_TOKEN: "t", db_secret: "x", LANG: "C", UNSET: undefined }))
      .toEqual({ PATH: "/bin", HOME: "/h", LANG: "C" });
  });
});

describe("reportEpisode against a fake Gateway", () => {
  it("posts chain, summary and reward with the bearer key; the Gateway receives the golden events", async () => {
    const gw = await gateway();
    const env = readAglEnv(envFor(gw.url));
    const { records, record } = await episode(env);
    await reportEpisode(createAglClient(env, fast), records, record);
    expect(gw.received.map((r) => [r.method, r.path, r.authorization, r.contentType])).toEqual(Array(3).fill(["POST", "/mode/train/api/rollouts/ro-9f2c/attempt/0/events", `Bearer ${KEY}`, "application/json"]));
    expectGolden("agl-v1/events.json", gw.received.map((r) => r.body));
    // The trainer's view: the last reward wins; the triplet view keeps value, source, reason.
    const triplet = await fetch(`${gw.url}/mode/train/api/rollouts/ro-9f2c/attempt/0/events?format=triplet`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(await triplet.json()).toEqual({ value: record.final, source: "agentgov", reason: "shaped" });
  });

  it("the golden events verify forever: the record against the chain events, under the committed test key", async () => {
    const events = readGolden("agl-v1/events.json") as { event_type: string; data: Record<string, unknown> }[];
    expect(events.map((e) => e.event_type)).toEqual(["agentgov.rl.chain", "agentgov.rl.summary", "reward"]);
    const log = events.filter((e) => e.event_type === "agentgov.rl.chain").flatMap((e) => e.data.records as unknown[]);
    const reward = events.at(-1)?.data;
    const v = await verifyRewardRecord(reward?.agentgov, log, { keys: trustedKeys([testSigner().publicKey]), config: testConfig(), expect: { runId: "run-test", rolloutId: "ro-9f2c", attemptId: "0" } });
    expect(v).toMatchObject({ ok: true, final: reward?.value });
    expect(events[1]?.data).toEqual({ v: 1, phase: "basic", tool_calls: 3, blocked: 1, violations: { high: 1 } });
  });

  it("splits the log into chain events of at most 64 records", async () => {
    const env = readAglEnv(envFor("http://gw"));
    const { record } = await episode(env);
    const events = episodeEvents(Array.from({ length: 130 }, (_, i) => ({ seq: i + 1 })), record);
    expect(events.filter((e) => e.event_type === "agentgov.rl.chain").map((e) => [e.data.from, (e.data.records as unknown[]).length])).toEqual([[0, CHAIN_CHUNK], [64, 64], [128, 2]]);
  });

  it("retries 408, 429 and 5xx up to 4 tries, then delivers", async () => {
    const gw = await gateway();
    const env = readAglEnv(envFor(gw.url));
    gw.script = [503, 429, 408];
    await createAglClient(env, fast).postEvent({ event_type: "x", data: {} });
    expect(gw.received).toHaveLength(4);
    expect(gw.events.get("ro-9f2c/0")).toEqual([{ event_type: "x", data: {} }]);
  });

  it("gives up after 4 tries with RL_CONTROLLER_UNREACHABLE and sends no later event", async () => {
    const gw = await gateway();
    const env = readAglEnv(envFor(gw.url));
    const { records, record } = await episode(env);
    gw.script = [500, 502, 503, 504];
    const err = await reportEpisode(createAglClient(env, fast), records, record).catch((e: unknown) => e);
    expect(isRlError(err, "RL_CONTROLLER_UNREACHABLE")).toBe(true);
    expect(gw.received).toHaveLength(4);
    expect(gw.events.size).toBe(0);
  });

  it("does not retry other statuses: a wrong bearer key is a 401 failure", async () => {
    const gw = await gateway();
    const env = { ...readAglEnv(envFor(gw.url)), key: "wrong-key" };
    const err = await createAglClient(env, fast).postEvent({ event_type: "x", data: {} }).catch((e: unknown) => e);
    expect(isRlError(err, "RL_CONTROLLER_UNREACHABLE")).toBe(true);
    expect(String(err)).toContain("401");
    expect(gw.received).toHaveLength(1);
  });

  it("times out a hanging Gateway, and fails on a refused connection", async () => {
    const gw = await gateway();
    gw.hang = true;
    const env = readAglEnv(envFor(gw.url));
    const err = await createAglClient(env, { backoffMs: () => 1, timeoutMs: 50, tries: 2 }).postEvent({ event_type: "x", data: {} }).catch((e: unknown) => e);
    expect(isRlError(err, "RL_CONTROLLER_UNREACHABLE")).toBe(true);
    expect(gw.received).toHaveLength(2);
    const closed = readAglEnv(envFor("http://127.0.0.1:9"));
    expect(isRlError(await createAglClient(closed, fast).postEvent({ event_type: "x", data: {} }).catch((e: unknown) => e), "RL_CONTROLLER_UNREACHABLE")).toBe(true);
  });

  it("stops on an aborted signal", async () => {
    const gw = await gateway();
    gw.script = [503, 503];
    const ac = new AbortController();
    const env = readAglEnv(envFor(gw.url));
    const p = createAglClient(env, { backoffMs: () => 10_000, signal: ac.signal }).postEvent({ event_type: "x", data: {} }).catch((e: unknown) => e);
    setTimeout(() => { ac.abort(new Error("stop")); }, 50);
    expect(isRlError(await p, "RL_CONTROLLER_UNREACHABLE")).toBe(true);
    ac.abort();
    expect(isRlError(await createAglClient(env, { signal: ac.signal }).postEvent({ event_type: "x", data: {} }).catch((e: unknown) => e), "RL_CONTROLLER_UNREACHABLE")).toBe(true);
    expect(gw.received).toHaveLength(1);
  });

  it("refuses, sending nothing, a record bound to another attempt or mode, or a log that does not match it", async () => {
    const gw = await gateway();
    const env = readAglEnv(envFor(gw.url));
    const { records, record } = await episode(env);
    const client = createAglClient(env, fast);
    for (const other of [{ ...record, rollout_id: "other" }, { ...record, attempt_id: "1" }, { ...record, mode: "val" as const }]) {
      expect(isRlError(await reportEpisode(client, records, other).catch((e: unknown) => e), "RL_INVALID_STATE")).toBe(true);
    }
    expect(isRlError(await reportEpisode(client, records.slice(1), record).catch((e: unknown) => e), "RL_INVALID_STATE")).toBe(true);
    expect(gw.received).toHaveLength(0);
  });
});

describe("fetchRunState", () => {
  const state = { run_id: "run-test", epoch: 3, phase: "basic", policy_version: "a".repeat(64), penalty_scale: 0.5, killed: false };
  it("reads a valid RunStateV1 with the bearer token", async () => {
    const gw = await gateway();
    gw.state = { status: 200, body: JSON.stringify(state) };
    expect(await fetchRunState(gw.url, KEY, fast)).toEqual(state);
    expect(gw.received[0]?.authorization).toBe(`Bearer ${KEY}`);
  });
  it("refuses to start (RL_CONTROLLER_UNREACHABLE) on garbage, a wrong shape, an oversized body, 401 or no server", async () => {
    const gw = await gateway();
    const bodies = ["{not json", JSON.stringify({ ...state, penalty_scale: 2 }), JSON.stringify({ ...state, policy_version: "x" }), JSON.stringify([]), JSON.stringify({ ...state, pad: "x".repeat(70_000) })];
    for (const body of bodies) {
      gw.state = { status: 200, body };
      expect(isRlError(await fetchRunState(gw.url, KEY, fast).catch((e: unknown) => e), "RL_CONTROLLER_UNREACHABLE")).toBe(true);
    }
    expect(isRlError(await fetchRunState(gw.url, "wrong", fast).catch((e: unknown) => e), "RL_CONTROLLER_UNREACHABLE")).toBe(true);
    expect(isRlError(await fetchRunState("http://127.0.0.1:9", KEY, { ...fast, tries: 1 }).catch((e: unknown) => e), "RL_CONTROLLER_UNREACHABLE")).toBe(true);
  });
});
