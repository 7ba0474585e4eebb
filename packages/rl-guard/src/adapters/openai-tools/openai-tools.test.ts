import { describe, expect, it } from "vitest";
import { isRlError } from "../../errors.js";
import { trustedKeys } from "../../integrity/keys.js";
import { verifyRewardRecord } from "../../integrity/verify.js";
import { testConfig, testGuard, testSigner } from "../../testing/fixtures/config.js";
import { expectGolden } from "../../testing/fixtures/golden.js";
import type { EpisodeRef } from "../../types.js";
import { MAX_CONCURRENCY, runToolCalls, type OpenAiToolCall, type ToolHandler } from "./index.js";

const ref: EpisodeRef = { runId: "run-test", rolloutId: "r1", attemptId: "0", mode: "train" };
const tc = (id: string, name: string, args: unknown): OpenAiToolCall => ({ id, type: "function", function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args) } });
describe("runToolCalls", () => {
  it("gates in model order, runs permitted calls, answers every call in order (golden)", async () => {
    const ep = testGuard().beginEpisode(ref);
    const ran: string[] = [];
    const handlers: Record<string, ToolHandler> = {
      read_file: (args) => { ran.push(`read ${String(args.path)}`); return "def f(): pass"; },
      edit_file: (args) => { ran.push(`edit ${String(args.path)}`); return { ok: true }; },
    };
    const messages = await runToolCalls(ep, [
      tc("c1", "read_file", { path: "src/a.py" }),
      tc("c2", "edit_file", { path: "tests/test_a.py" }),
      tc("c3", "edit_file", { path: "src/a.py" }),
      tc("c4", "http_get", { url: "https://docs.example.com/x" }),
    ], handlers);
    expect(ran).toEqual(["read src/a.py", "edit src/a.py"]);
    expectGolden("openai-tools/messages.json", messages);
    const record = await ep.finish({ base: 1 });
    const log = ep.log.records();
    expect(log.filter((r) => r.stage === "post_tool").map((r) => [r.call_id, (r.outcome as { status: string }).status])).toEqual([["c1", "ok"], ["c3", "ok"]]);
    const v = await verifyRewardRecord(record, log, { keys: trustedKeys([testSigner().publicKey]), config: testConfig(), expect: { runId: "run-test", rolloutId: "r1", attemptId: "0" } });
    expect(v).toMatchObject({ ok: true });
    expect(record.violations).toMatchObject({ high: 1, medium: 1 });
  });

  it("stops after a terminating decision: later calls are neither gated nor run, earlier ones not started", async () => {
    const ep = testGuard().beginEpisode(ref);
    let ran = 0;
    const h: ToolHandler = () => { ran++; return "x"; };
    const messages = await runToolCalls(ep, [
      tc("c1", "read_file", { path: "src/a.py" }),
      tc("c2", "write_file", { path: "/grader/reward.json", content: "1" }),
      tc("c3", "read_file", { path: "src/b.py" }),
    ], { read_file: h, write_file: h });
    expect(ran).toBe(0);
    expect(ep.signal.aborted).toBe(true);
    expect(messages.map((m) => JSON.parse(m.content) as { error: string }).map((c) => c.error)).toEqual(["aborted", "denied", "episode_terminated"]);
    expect(ep.log.records().filter((r) => r.stage === "pre_tool")).toHaveLength(2);
    await expect(runToolCalls(ep, [tc("c9", "read_file", { path: "x" })], { read_file: h })).resolves.toEqual([{ role: "tool", tool_call_id: "c9", content: '{"error":"episode_terminated"}' }]);
  });

  it("fails closed on unparsable arguments, a missing handler, a throwing handler and reused ids", async () => {
    const ep = testGuard().beginEpisode(ref);
    const calls: string[] = [];
    const handlers: Record<string, ToolHandler> = {
      read_file: (args) => { calls.push(String(args.path)); if (args.path === "boom") throw new Error("secret detail"); return "ok"; },
      edit_file: () => Promise.reject(new Error("async boom")),
    };
    const m1 = await runToolCalls(ep, [
      tc("c1", "read_file", "{not json"),
      tc("c2", "run_tests", {}),
      tc("c3", "read_file", { path: "boom" }),
      tc("c4", "edit_file", { path: "src/a.py" }),
    ], handlers);
    expect(m1.map((m) => m.content)).toEqual([
      expect.stringContaining("not a JSON object") as unknown,
      '{"error":"unknown_tool"}',
      '{"error":"tool_error"}',
      '{"error":"tool_error"}',
    ]);
    expect(JSON.stringify(m1)).not.toContain("secret detail");
    const m2 = await runToolCalls(ep, [tc("c3", "read_file", { path: "again" }), tc("", "read_file", { path: "empty" })], handlers);
    expect(m2.map((m) => m.content)).toEqual(Array(2).fill('{"error":"duplicate_call_id"}'));
    const other = testGuard().beginEpisode(ref);
    expect(await runToolCalls(other, [tc("x".repeat(300), "read_file", { path: "long" })], handlers)).toEqual([{ role: "tool", tool_call_id: "x".repeat(300), content: '{"error":"duplicate_call_id"}' }]);
    expect(calls).toEqual(["boom"]);
    const post = ep.log.records().filter((r) => r.stage === "post_tool").map((r) => [r.call_id, (r.outcome as { status: string }).status]);
    expect(post).toEqual([["c3", "error"], ["c4", "error"]]);
  });

  it("ignores inherited handler names and a non-object function member", async () => {
    const ep = testGuard().beginEpisode(ref);
    const m = await runToolCalls(ep, [tc("c1", "toString", {}), { id: "c2", function: null } as unknown as OpenAiToolCall], {});
    expect(JSON.parse((m[0] as { content: string }).content)).toMatchObject({ error: "denied" });
    expect((m[1] as { content: string }).content).toContain("not a JSON object");
  });

  it("encodes non-string results, and treats an unencodable result as a tool error", async () => {
    const ep = testGuard().beginEpisode(ref);
    const m = await runToolCalls(ep, [tc("c1", "read_file", { path: "a" }), tc("c2", "run_tests", {}), tc("c3", "submit", {})], {
      read_file: () => undefined,
      run_tests: () => 10n,
      submit: () => () => 1,
    });
    expect(m.map((x) => x.content)).toEqual(["", '{"error":"tool_error"}', ""]);
  });

  it("throws RL_INVALID_STATE once the episode is finished", async () => {
    const ep = testGuard().beginEpisode(ref);
    await ep.finish({ base: 0 });
    const err = await runToolCalls(ep, [tc("c1", "read_file", { path: "a" })], {}).catch((e: unknown) => e);
    expect(isRlError(err, "RL_INVALID_STATE")).toBe(true);
  });

  it("runs at most `concurrency` permitted calls at once and keeps model order", async () => {
    const ep = testGuard().beginEpisode(ref);
    let live = 0;
    let peak = 0;
    const h: ToolHandler = async (args) => {
      live++;
      peak = Math.max(peak, live);
      await new Promise((r) => setTimeout(r, 5 * (4 - Number(String(args.path).slice(-1)))));
      live--;
      return String(args.path);
    };
    const m = await runToolCalls(ep, [1, 2, 3, 4].map((i) => tc(`c${i}`, "read_file", { path: `src/${i}` })), { read_file: h }, { concurrency: 2 });
    expect(peak).toBe(2);
    expect(m.map((x) => x.content)).toEqual(["src/1", "src/2", "src/3", "src/4"]);
    expect(MAX_CONCURRENCY).toBe(64);
  });

  it("does not start queued calls once the kill switch aborts the episode", async () => {
    const guard = testGuard();
    const ep = guard.beginEpisode(ref);
    const started: string[] = [];
    const h: ToolHandler = (args, ctx) => {
      started.push(String(args.path));
      guard.killSwitch.engage("operator");
      expect(ctx.signal.aborted).toBe(true);
      return "done";
    };
    const m = await runToolCalls(ep, [tc("c1", "read_file", { path: "a" }), tc("c2", "read_file", { path: "b" })], { read_file: h });
    expect(started).toEqual(["a"]);
    expect(m.map((x) => x.content)).toEqual(["done", '{"error":"aborted"}']);
    const rec = await ep.finish({ base: 1 });
    expect(rec).toMatchObject({ reason: "killed", final: -1 });
  });
});
