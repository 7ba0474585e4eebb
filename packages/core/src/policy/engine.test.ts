import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolicyLoadError } from "../errors.js";
import type { PolicyDocument } from "./document.js";
import { createPolicyEngine } from "./engine.js";
import type { RateLimiter } from "./rate-limiter.js";

const basic: PolicyDocument = {
  apiVersion: "agentgov/v1",
  name: "basic",
  default_action: "deny",
  rules: [
    { name: "allow-search", condition: "tool.name == 'search'", action: "allow" },
    { name: "cap", condition: "tool.name == 'pay' and args.amount > 100", action: "deny", priority: 10 },
    { name: "pay", condition: "tool.name == 'pay'", action: "allow" },
  ],
};

const req = (tool: string, args: Record<string, unknown> = {}, agent = "bot") => ({ agent, context: { tool: { name: tool }, args } });

describe("createPolicyEngine", () => {
  it("denies malformed requests with invalid_request and never throws", () => {
    const engine = createPolicyEngine({ policies: [basic] });
    for (const bad of [null, 5, "x", [], {}, { agent: 5, context: {} }, { agent: "a" }, { agent: "a", context: [] }, { agent: "a", stage: "later", context: {} }, { agent: { name: "x" }, context: {} }, { agent: "", context: {} }]) {
      const d = engine.decide(bad as never);
      expect(d).toMatchObject({ allowed: false, action: "deny", code: "invalid_request" });
    }
  });

  it("denies with internal_error when a component throws (an error never loosens)", () => {
    const throwing: RateLimiter = {
      tryAcquire: () => {
        throw new Error("store down");
      },
      peek: () => true,
    };
    const engine = createPolicyEngine({ policies: [{ ...basic, rules: [{ name: "limited", condition: "tool.name == 'search'", action: "allow", limit: "5/minute" }] }], rateLimiter: throwing });
    expect(engine.decide(req("search"))).toMatchObject({ allowed: false, code: "internal_error" });
  });

  it("records evaluation errors in the decision, and ignores errored non-deny rules", () => {
    const engine = createPolicyEngine({
      policies: [{ apiVersion: "agentgov/v1", name: "p", default_action: "deny", rules: [
        { name: "bad-allow", condition: "args.n > 1", action: "allow", priority: 5 },
        { name: "fallback", action: "log" },
      ] }],
    });
    const d = engine.decide(req("x", { n: "2" }));
    expect(d).toMatchObject({ allowed: true, action: "log", matched_rule: "fallback", code: "rule" });
    expect(d.errors).toEqual([{ policy: "p", rule: "bad-allow", error: expect.stringContaining("'>' between a string and a number") as unknown }]);
  });

  it("counts an errored require_approval rule as a deny", () => {
    const engine = createPolicyEngine({ policies: [{ apiVersion: "agentgov/v1", name: "p", default_action: "allow", rules: [{ name: "big", condition: "args.n > 1", action: "require_approval" }] }] });
    expect(engine.decide(req("x", { n: "2" }))).toMatchObject({ allowed: false, action: "deny", code: "evaluation_error", matched_rule: "big" });
  });

  it("explains every rule and decides exactly as without explain", () => {
    const engine = createPolicyEngine({ policies: [basic, { apiVersion: "agentgov/v1", name: "other", agents: ["ops-*"], rules: [{ name: "o", action: "allow" }, { name: "late", stage: "post_tool", action: "deny" }] }] });
    const plain = engine.decide(req("pay", { amount: 500 }));
    const explained = engine.decide(req("pay", { amount: 500 }), { explain: true });
    const { trace, ...rest } = explained;
    expect(rest).toEqual(plain);
    expect(trace).toEqual([
      { policy: "basic", rule: "cap", result: "matched" },
      { policy: "basic", rule: "allow-search", result: "not_matched" },
      { policy: "basic", rule: "pay", result: "matched" },
      { policy: "other", rule: "o", result: "policy_not_applicable" },
      { policy: "other", rule: "late", result: "other_stage" },
    ]);
  });

  it("gives a stable policy_digest that changes with the policies and the strategy", () => {
    const a = createPolicyEngine({ policies: [basic] });
    const b = createPolicyEngine({ policies: [structuredClone(basic)] });
    const c = createPolicyEngine({ policies: [{ ...basic, default_action: "allow" }] });
    const d = createPolicyEngine({ policies: [basic], strategy: "deny_overrides" });
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(b.digest).toBe(a.digest);
    expect(c.digest).not.toBe(a.digest);
    expect(d.digest).not.toBe(a.digest);
    expect(a.decide(req("search")).policy_digest).toBe(a.digest);
  });

  it("rejects files whose conflict strategies disagree unless a strategy is given", () => {
    const p1: PolicyDocument = { apiVersion: "agentgov/v1", name: "p1", conflict_strategy: "deny_overrides" };
    const p2: PolicyDocument = { apiVersion: "agentgov/v1", name: "p2", conflict_strategy: "allow_overrides" };
    expect(() => createPolicyEngine({ policies: [p1, p2] })).toThrow(PolicyLoadError);
    expect(createPolicyEngine({ policies: [p1, p2], strategy: "priority_first_match" }).strategy).toBe("priority_first_match");
  });

  it("reads toolkit files: singular agent, version, surfaces", () => {
    const engine = createPolicyEngine({
      policies: [{ apiVersion: "governance.toolkit/v1", name: "tk", version: "1.0", agent: "support-*", default_action: "allow", rules: [{ name: "ide-only", condition: "tool.name == 'shell'", effect: "deny", surfaces: ["ide"] }] }],
    });
    expect(engine.decide({ agent: "support-1", context: { tool: { name: "shell" }, surface: "ide" } })).toMatchObject({ action: "deny", matched_rule: "ide-only" });
    expect(engine.decide({ agent: "support-1", context: { tool: { name: "shell" }, surface: "cli" } })).toMatchObject({ action: "allow", code: "default" });
    expect(engine.decide({ agent: "support-1", context: { tool: { name: "shell" } } })).toMatchObject({ action: "allow", code: "default" });
    expect(engine.decide({ agent: "sales", context: { tool: { name: "shell" } } })).toMatchObject({ code: "no_policy" });
  });

  it("returns transform and approval details as fresh copies", () => {
    const engine = createPolicyEngine({
      policies: [{ apiVersion: "agentgov/v1", name: "t", rules: [
        { name: "cap-limit", condition: "tool.name == 'query'", action: "transform", set: { "args.limit": 100 }, redact: ["output.ssn"] },
        { name: "refund", condition: "tool.name == 'refund'", action: "require_approval" },
      ] }],
    });
    const d1 = engine.decide(req("query"));
    expect(d1).toMatchObject({ allowed: true, action: "transform", transform: { set: { "args.limit": 100 }, redact: ["output.ssn"] } });
    (d1.transform?.set as Record<string, unknown>)["args.limit"] = 5;
    expect(engine.decide(req("query")).transform?.set).toEqual({ "args.limit": 100 });
    expect(engine.decide(req("refund"))).toMatchObject({ allowed: false, action: "require_approval", code: "rule", approvers: [], quorum: 1 });
  });

  it("dryRun checks a rate limit without counting the call", () => {
    const engine = createPolicyEngine({ clock: () => 0, policies: [{ apiVersion: "agentgov/v1", name: "p", rules: [{ name: "once", action: "allow", limit: "1/minute" }] }] });
    for (let i = 0; i < 3; i++) expect(engine.decide(req("x"), { dryRun: true })).toMatchObject({ allowed: true, matched_rule: "once" });
    expect(engine.decide(req("x"))).toMatchObject({ allowed: true });
    expect(engine.decide(req("x"), { dryRun: true })).toMatchObject({ allowed: false, code: "rate_limited" });
    expect(engine.decide(req("x"))).toMatchObject({ allowed: false, code: "rate_limited" });
  });

  it("reports a rate-limited shadow policy without consuming its quota", () => {
    let now = 0;
    const engine = createPolicyEngine({
      clock: () => now,
      policies: [
        { apiVersion: "agentgov/v1", name: "live", default_action: "allow" },
        { apiVersion: "agentgov/v1", name: "cand", mode: "shadow", rules: [{ name: "q", action: "allow", limit: "1/minute" }] },
      ],
    });
    for (let i = 0; i < 3; i++) {
      now += 1000;
      expect(engine.decide(req("x")).shadow).toEqual([expect.objectContaining({ allowed: true, matched_rule: "q", policy: "cand" })]);
    }
  });

  it("never lets the index skip a rule whose leading conjunct is not the indexed one", () => {
    const engine = createPolicyEngine({ policies: [{ apiVersion: "agentgov/v1", name: "p", rules: [
      { name: "r0", condition: "args.n > 3 and tool.name == 'a'", action: "deny", priority: 5 },
      { name: "r1", action: "allow" },
    ] }] });
    expect(engine.decide({ agent: "x", context: { tool: { name: "b" }, args: { n: "oops" } } })).toMatchObject({ code: "evaluation_error", matched_rule: "r0" });
  });

  it("uses the index without changing any decision (random rule sets; explain = full scan)", () => {
    const tool = fc.constantFrom("a", "b", "c");
    const condition = fc.oneof(
      tool.map((t) => `tool.name == '${t}'`),
      tool.map((t) => `tool.name in ['${t}', 'zz'] and args.n > 3`),
      tool.map((t) => `args.n > 3 and tool.name == '${t}'`),
      tool.map((t) => `action.type == '${t}' and args.s startswith 'x'`),
      tool.map((t) => `'${t}' == tool.name and len(args.s) > 1`),
      fc.constant("args.n < 2"),
      tool.map((t) => `tool.name == '${t}' or args.n == 1`),
    );
    const rule = fc.record({ condition, action: fc.constantFrom("allow", "deny", "log", "require_approval", "warn"), priority: fc.integer({ min: 0, max: 3 }) });
    const request = fc.record({ tool: fc.option(tool), action: tool, n: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant("oops")), s: fc.oneof(fc.constant("xy"), fc.constant(7)) });
    const strategy = fc.constantFrom("priority_first_match", "deny_overrides", "allow_overrides", "most_specific_wins");
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 20 }), fc.array(request, { minLength: 1, maxLength: 5 }), strategy, (rules, requests, s) => {
        const engine = createPolicyEngine({ strategy: s, policies: [{ apiVersion: "agentgov/v1", name: "p", rules: rules.map((r, i) => ({ name: `r${i}`, ...r })) }] });
        for (const r of requests) {
          const context = { tool: r.tool === null ? undefined : { name: r.tool }, action: { type: r.action }, args: { n: r.n, s: r.s } };
          const { trace: _trace, ...full } = engine.decide({ agent: "x", context }, { explain: true });
          expect(engine.decide({ agent: "x", context })).toEqual(full);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
