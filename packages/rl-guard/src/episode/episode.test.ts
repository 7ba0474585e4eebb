import { describe, expect, it } from "vitest";
import type { PolicyEngine } from "@agentgov/core";
import { isRlError } from "../errors.js";
import { rlExtOf } from "../integrity/ext.js";
import { canonicalArgs, digestArgs } from "@agentgov/core/audit";
import { MAX_TRACKED_TOOLS } from "./episode.js";
import { loggedArgs } from "./redact.js";
import { testConfig, testGuard } from "../testing/fixtures/config.js";
import type { EpisodeRef } from "../types.js";

const ref = (rolloutId = "r1", mode: EpisodeRef["mode"] = "train"): EpisodeRef => ({ runId: "run-test", rolloutId, attemptId: "0", mode });

describe("gate", () => {
  it("permits allowed calls and logs them with redacted args and the unredacted digest", () => {
    const ep = testGuard().beginEpisode(ref());
    const g = ep.gate({ id: "c1", name: "read_file", args: { path: "src/a.py", api_key: "sk-1" } });
    expect(g).toMatchObject({ permitted: true, severity: null, terminate: false, observation: null });
    const rec = ep.log.records().at(-1);
    expect(rec?.args).toEqual({ path: "src/a.py", api_key: "[REDACTED]" });
    expect(rec?.args_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(rec?.outcome?.status).toBe("permitted");
    expect(rlExtOf(rec)).toEqual({ severity: null, terminate: false });
  });

  it("denies malformed arguments without calling the kernel (low)", () => {
    const ep = testGuard().beginEpisode(ref());
    for (const [i, args] of [null, [1], "x", { n: 10n }].entries()) {
      const g = ep.gate({ id: `m${i}`, name: "read_file", args });
      expect(g.decision.code).toBe("malformed_args");
      expect(g.severity).toBe("low");
      expect(g.permitted).toBe(false);
    }
  });

  it("denies by rule with the rule's severity and a structured observation", () => {
    const ep = testGuard().beginEpisode(ref());
    const g = ep.gate({ id: "c1", name: "edit_file", args: { path: "tests/test_a.py" } });
    expect(g).toMatchObject({ permitted: false, severity: "high", terminate: false });
    expect(JSON.parse(g.observation ?? "")).toEqual({ error: "denied", rule: "test-tamper", reason: "Tests and test configuration are read-only during training" });
    const grader = ep.gate({ id: "c2", name: "write_file", args: { path: "/grader/reward.json" } });
    expect(grader).toMatchObject({ permitted: false, severity: "critical", terminate: true });
    expect(ep.signal.aborted).toBe(true);
  });

  it("names, in each refusal, the rule and reason of that call (a reused refusal text never outlives its rule)", () => {
    const guard = testGuard();
    const tamper = { error: "denied", rule: "test-tamper", reason: "Tests and test configuration are read-only during training" };
    const malformed = { error: "denied", rule: null, reason: "the call's arguments are not a JSON object" };
    const ep = guard.beginEpisode(ref("r1"));
    const observed = (e: typeof ep, id: string, name: string, args: Record<string, unknown>): unknown => JSON.parse(e.gate({ id, name, args }).observation ?? "null");
    expect(observed(ep, "c1", "edit_file", { path: "tests/test_a.py" })).toEqual(tamper);
    expect(observed(ep, "c2", "edit_file", { path: "tests/test_b.py" })).toEqual(tamper);
    expect(observed(ep, "c3", "read_file", { n: 10n })).toEqual(malformed);
    const other = guard.beginEpisode(ref("r2"));
    expect(observed(other, "c1", "read_file", { n: 10n })).toEqual(malformed);
    expect(observed(other, "c2", "edit_file", { path: "tests/test_a.py" })).toEqual(tamper);
  });

  it("hides rule names with generic observations", () => {
    const ep = testGuard(testConfig(), { observation: "generic" }).beginEpisode(ref());
    expect(ep.gate({ id: "c1", name: "edit_file", args: { path: "conftest.py" } }).observation).toBe('{"error":"denied"}');
  });

  it("denies tools outside the phase allow-list after the kernel allowed them (medium)", () => {
    const ep = testGuard().beginEpisode(ref());
    const g = ep.gate({ id: "c1", name: "http_get", args: { url: "https://docs.example.com/x" } });
    expect(g.decision.code).toBe("phase_not_allowed");
    expect(g.severity).toBe("medium");
    // a rule deny wins over the allow-list (kernel first)
    expect(ep.gate({ id: "c2", name: "http_get", args: { url: "https://evil.example/solution.patch" } }).decision.code).toBe("rule");
  });

  it("allows phase tools after promotion and filters exposed tools", () => {
    const guard = testGuard();
    guard.setState({ phaseIndex: 1 });
    const ep = guard.beginEpisode(ref());
    expect(ep.gate({ id: "c1", name: "http_get", args: { url: "https://docs.example.com/x" } }).permitted).toBe(true);
    const tools = ["read_file", "bash", "http_get"].map((name) => ({ type: "function", function: { name } }));
    expect(ep.exposedTools(tools).map((t) => t.function.name)).toEqual(["read_file", "http_get"]);
  });

  it("enforces max_tool_calls: denied calls consume budget, the excess call terminates", () => {
    const ep = testGuard().beginEpisode(ref());
    for (let i = 0; i < 6; i++) expect(ep.gate({ id: `c${i}`, name: "run_tests", args: {} }).permitted).toBe(true);
    const over = ep.gate({ id: "c7", name: "run_tests", args: {} });
    expect(over).toMatchObject({ permitted: false, severity: "low", terminate: true });
    expect(over.decision.code).toBe("budget_exceeded");
    expect(ep.signal.aborted).toBe(true);
  });

  it("enforces max_consecutive_denied", () => {
    const ep = testGuard().beginEpisode(ref());
    for (let i = 0; i < 3; i++) ep.gate({ id: `c${i}`, name: "edit_file", args: { path: "tests/t.py" } });
    const g = ep.gate({ id: "c4", name: "read_file", args: { path: "src/a.py" } });
    expect(g.decision.reason).toMatch(/max_consecutive_denied/);
    expect(g.terminate).toBe(true);
  });

  it("answers kill_switch (critical, terminating) once the switch is engaged, and refuses new episodes", () => {
    const guard = testGuard();
    const ep = guard.beginEpisode(ref());
    guard.killSwitch.engage("operator");
    expect(ep.signal.aborted).toBe(true);
    expect(() => guard.beginEpisode(ref("r2"))).toThrow(expect.objectContaining({ code: "RL_KILLED" }) as Error);
  });

  it("turns a throwing policy engine into internal_error: denied, no severity, counted", () => {
    const config = testConfig();
    const phase = config.phases[0];
    if (phase === undefined) throw new Error("no phase");
    const broken: PolicyEngine = { ...phase.engine, decide: () => { throw new Error("boom"); } };
    const faulty = { ...config, phases: [{ ...phase, engine: broken }] };
    const ep = testGuard(faulty).beginEpisode(ref());
    const g = ep.gate({ id: "c1", name: "read_file", args: { path: "a" } });
    expect(g).toMatchObject({ permitted: false, severity: null });
    expect(g.decision.code).toBe("internal_error");
    expect(ep.guardErrors).toBe(1);
  });

  it("counts calls per tool for the policy, at most MAX_TRACKED_TOOLS names, further ones in one shared counter", () => {
    const config = testConfig((y) => y.replace("budgets: { max_tool_calls: 6, max_consecutive_denied: 3 }", "budgets: { max_tool_calls: 1000 }"));
    const phase = config.phases[0];
    if (phase === undefined) throw new Error("no phase");
    const seen: Record<string, number>[] = [];
    const watching: PolicyEngine = {
      ...phase.engine,
      decide: (request, options) => {
        const episode = (request.context as { episode: { calls_by_tool: Record<string, number> } }).episode;
        seen.push({ ...episode.calls_by_tool });
        return phase.engine.decide(request, options);
      },
    };
    const ep = testGuard({ ...config, phases: [{ ...phase, engine: watching }] }).beginEpisode(ref());
    const tools = [...Array.from({ length: MAX_TRACKED_TOOLS }, (_, i) => `t${i}`), "t0", "extra1", "extra2", "t1", "extra1"];
    tools.forEach((name, i) => ep.gate({ id: `c${i}`, name, args: {} }));
    const last = seen.at(-1) ?? {};
    expect(Object.keys(last)).toHaveLength(MAX_TRACKED_TOOLS + 1);
    expect(last).toMatchObject({ t0: 2, t1: 2, t2: 1, "\u0000other": 3 });
    expect(last.extra1).toBeUndefined();
    expect(seen[MAX_TRACKED_TOOLS + 1]).toMatchObject({ "\u0000other": 1, t0: 2 });
  });

  it("denies when the episode log refuses the record (fail closed)", () => {
    const ep = testGuard().beginEpisode(ref());
    Object.assign(ep.log, { append: () => { throw new Error("disk full"); } });
    const g = ep.gate({ id: "c1", name: "read_file", args: { path: "a" } });
    expect(g.permitted).toBe(false);
    expect(g.decision.code).toBe("audit_unavailable");
    expect(ep.signal.aborted).toBe(true);
  });

  it("throws RL_EXECUTED_AFTER_DENY for a result of a denied call, and logs it", () => {
    const ep = testGuard().beginEpisode(ref());
    ep.gate({ id: "c1", name: "edit_file", args: { path: "tests/t.py" } });
    let error: unknown;
    try {
      ep.recordResult("c1", { ok: true });
    } catch (e) {
      error = e;
    }
    expect(isRlError(error, "RL_EXECUTED_AFTER_DENY")).toBe(true);
    expect(ep.log.records().at(-1)?.stage).toBe("post_tool");
  });

  it("finishes with a signed record that counts violations and blocked calls", async () => {
    const guard = testGuard();
    guard.setState({ penaltyScale: 1 });
    const ep = guard.beginEpisode(ref());
    ep.gate({ id: "c1", name: "read_file", args: { path: "src/a.py" } });
    ep.recordResult("c1", { ok: true });
    ep.gate({ id: "c2", name: "edit_file", args: { path: "tests/t.py" } });
    ep.recordModelCall({ prompt_tokens: 10, completion_tokens: 5 });
    const rec = await ep.finish({ base: 1 });
    expect(rec).toMatchObject({ final: 0.5, penalty: -0.5, blocked: 1, violations: { critical: 0, high: 1, medium: 0, low: 0 }, reason: "shaped", chain: { len: 6 } });
    await expect(ep.finish({ base: 1 })).rejects.toThrow(/already finished/);
    expect(() => ep.gate({ id: "c3", name: "read_file", args: {} })).toThrow(/finished/);
  });

  it("signs only the integrity floor once killed", async () => {
    const guard = testGuard();
    const ep = guard.beginEpisode(ref());
    guard.killSwitch.engage("test");
    const rec = await ep.finish({ base: 1 });
    expect(rec).toMatchObject({ final: -1, reason: "killed" });
  });

  it("rejects a missing signer at start (RL_SIGNER_UNAVAILABLE)", () => {
    expect(() => testGuard(testConfig(), { signer: undefined })).toThrow(expect.objectContaining({ code: "RL_SIGNER_UNAVAILABLE" }) as Error);
  });
});

describe("episode edge cases", () => {
  it("rejects a non-finite or missing base reward at finish", async () => {
    const ep = testGuard().beginEpisode(ref());
    await expect(ep.finish({ base: Number.NaN })).rejects.toThrow(/not finite/);
    const ep2 = testGuard().beginEpisode(ref("r2"));
    await expect(ep2.finish({ base: { task: 1 }, primary: "other" })).rejects.toThrow(/missing/);
  });

  it("terminates when a model budget is exhausted", () => {
    const config = testConfig((y) => y.replace("budgets: { max_tool_calls: 6, max_consecutive_denied: 3 }", "budgets: { max_tool_calls: 6, max_tokens: 100 }"));
    const ep = testGuard(config).beginEpisode(ref());
    expect(ep.recordModelCall({ prompt_tokens: 60, completion_tokens: 30 }).terminate).toBe(false);
    const over = ep.recordModelCall({ prompt_tokens: 20 });
    expect(over).toMatchObject({ terminate: true, permitted: false });
    expect(ep.signal.aborted).toBe(true);
    expect(ep.gate({ id: "c1", name: "read_file", args: {} }).decision.code).toBe("budget_exceeded");
  });

  it("cancel ends an episode without a record", async () => {
    const guard = testGuard();
    const ep = guard.beginEpisode(ref());
    ep.cancel("rollout failed");
    expect(ep.signal.aborted).toBe(true);
    expect(guard.inFlight).toBe(0);
    await expect(ep.finish({ base: 1 })).rejects.toThrow(/already finished/);
  });

  it("renames duplicate or oversized call ids so each call is logged once", () => {
    const ep = testGuard().beginEpisode(ref());
    ep.gate({ id: "same", name: "read_file", args: {} });
    ep.gate({ id: "same", name: "read_file", args: {} });
    ep.gate({ id: "x".repeat(300), name: "read_file", args: {} });
    expect(ep.log.records().slice(1).map((r) => r.call_id)).toEqual(["same", "call#2", "call#3"]);
  });
});

describe("logged arguments", () => {
  it("are truncated beyond 1 KiB while the digest covers the original", () => {
    const ep = testGuard().beginEpisode(ref());
    ep.gate({ id: "c1", name: "edit_file", args: { path: "src/a.py", content: "x".repeat(5000) } });
    const rec = ep.log.records().at(-1);
    expect(rec?.args).toEqual({ _truncated: true, bytes: 5032 });
    expect(rec?.args_digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reuse the canonical text only when nothing was redacted, and never a text made of other arguments", () => {
    const args = { path: "src/a.py" };
    const canonical = canonicalArgs(args);
    expect(loggedArgs(args, undefined, canonical)).toBe(canonical);
    expect(loggedArgs(args, ["args.path"], canonical)).toEqual({ path: "[REDACTED]" });
    expect(loggedArgs({ path: "src/a.py", token: "t" }, undefined, canonicalArgs({ path: "src/a.py", token: "t" }))).toEqual({ path: "src/a.py", token: "[REDACTED]" });
    expect(loggedArgs({ path: "other" }, undefined, canonical)).toEqual({ path: "other" });
    const big = { content: "é".repeat(600) };
    expect(loggedArgs(big, undefined, canonicalArgs(big))).toEqual({ _truncated: true, bytes: Buffer.byteLength(JSON.stringify(big)) });
  });

  it("are recorded byte for byte as the plain arguments would be (digest of the original, logged copy as its canonical text)", () => {
    const ep = testGuard().beginEpisode(ref());
    ep.gate({ id: "c1", name: "read_file", args: { z: 1, path: "src/a.py", nested: { b: [1, "é"], a: null } } });
    const rec = ep.log.records().at(-1);
    expect(rec?.args).toEqual({ z: 1, path: "src/a.py", nested: { b: [1, "é"], a: null } });
    expect(rec?.args_digest).toBe(digestArgs({ path: "src/a.py", nested: { a: null, b: [1, "é"] }, z: 1 }));
    expect(ep.log.lines().at(-1)).toContain(',"args":{"nested":{"a":null,"b":[1,"é"]},"path":"src/a.py","z":1},');
  });
});

describe("fail closed", () => {
  it("signs only the integrity floor after the log refused a record", async () => {
    const ep = testGuard().beginEpisode(ref());
    const append = ep.log.append.bind(ep.log);
    let fail = true;
    Object.assign(ep.log, { append: (e: Parameters<typeof append>[0]) => { if (fail) throw new Error("disk full"); return append(e); } });
    ep.gate({ id: "c1", name: "read_file", args: { path: "a" } });
    fail = false;
    const rec = await ep.finish({ base: 1 });
    expect(rec).toMatchObject({ final: -1, reason: "killed" });
  });

  it("refuses a signing key that is not an Ed25519 private key", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { createRewardSigner } = await import("../integrity/keys.js");
    expect(() => createRewardSigner("not a key")).toThrow(expect.objectContaining({ code: "RL_SIGNER_UNAVAILABLE" }) as Error);
    expect(() => createRewardSigner(generateKeyPairSync("ed25519").publicKey)).toThrow(/Ed25519 private key/);
    expect(() => createRewardSigner(generateKeyPairSync("x25519").privateKey)).toThrow(/Ed25519 private key/);
  });
});
