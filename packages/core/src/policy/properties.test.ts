/**
 * Property tests (fast-check) of the policy kernel's safety claims.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolicyLoadError } from "../errors.js";
import type { PolicyDocument, PolicyRuleInput } from "./document.js";
import { createPolicyEngine } from "./engine.js";
import { loadPolicies } from "./load.js";
import { CONFLICT_STRATEGIES, type DecisionRequest } from "./types.js";

/** Condition fragments, including ones that do not parse and ones that error at run time. */
const conditionText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "tool.name == 'a'", "tool.name in ['a', 'b']", "args.n > 2", "args.n < 'x'", "len(args.s) >= 1", "has(args.k)",
    "not args.flag", "args.s matches '^a'", "glob(tool.name, 'a*')", "lower(args.s) contains 'x'", "args.n != null",
    "(args.n > 1 or args.flag) and tool.name != 'c'", "agent.role == 'admin'", "args.list contains 3",
  ),
);
const safeCondition = fc.constantFrom(
  "tool.name == 'a'", "tool.name in ['a', 'b']", "args.n > 2", "args.n < 'x'", "len(args.s) >= 1", "has(args.k)", "not args.flag",
  "glob(tool.name, 'a*')", "(args.n > 1 or args.flag) and tool.name != 'c'", "agent.role == 'admin'", "args.list contains 3", "true",
);
const action = fc.constantFrom("allow", "deny", "warn", "log", "steer", "require_approval");
const rule = fc.record({ condition: safeCondition, action, priority: fc.integer({ min: -5, max: 5 }), enabled: fc.boolean() });
const policy = fc.record({
  default_action: fc.constantFrom("allow", "deny"),
  scope: fc.constantFrom("global", "agent"),
  agents: fc.constantFrom(["*"], ["bot-*"], ["other"]).map((a) => [...a]),
  rules: fc.array(rule, { maxLength: 8 }),
});
const policies = fc.array(policy, { minLength: 1, maxLength: 3 }).map((list) =>
  list.map((p, i): PolicyDocument => ({ apiVersion: "agentgov/v1", name: `p${i}`, ...p, rules: p.rules.map((r, j): PolicyRuleInput => ({ name: `r${j}`, ...r })) })),
);
const context = fc.record({
  tool: fc.option(fc.record({ name: fc.constantFrom("a", "b", "c") }), { nil: undefined }),
  args: fc.option(fc.dictionary(fc.constantFrom("n", "s", "k", "flag", "list"), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
  agent: fc.option(fc.record({ id: fc.string(), role: fc.jsonValue({ maxDepth: 1 }) }), { nil: undefined }),
}, { requiredKeys: [] });
const request = fc.record({
  agent: fc.oneof(fc.constantFrom("bot-1", "other", "x"), fc.record({ id: fc.constantFrom("bot-2", "y"), role: fc.string() })),
  stage: fc.option(fc.constantFrom("input", "pre_tool", "post_tool", "handoff", "output"), { nil: undefined }),
  context,
}, { requiredKeys: ["agent", "context"] }) as fc.Arbitrary<DecisionRequest>;

describe("properties", () => {
  it("the loader throws nothing but a positioned PolicyLoadError, whatever the text", () => {
    const yamlish = fc.oneof(
      fc.string({ maxLength: 200 }),
      conditionText.map((c) => `apiVersion: agentgov/v1\nname: p\nrules:\n  - name: r\n    condition: ${JSON.stringify(c)}\n    action: deny\n`),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 40 }).map((s) => `apiVersion: agentgov/v1\nname: p\n${s}\n`),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        try {
          loadPolicies([{ text, file: "fuzz.yaml" }]);
        } catch (error) {
          expect(error).toBeInstanceOf(PolicyLoadError);
          for (const issue of (error as PolicyLoadError).issues) {
            expect(issue.file).toBe("fuzz.yaml");
            expect(Number.isInteger(issue.line) && Number.isInteger(issue.col)).toBe(true);
            expect(issue.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("decide never throws on a well-formed request", () => {
    fc.assert(
      fc.property(policies, fc.constantFrom(...CONFLICT_STRATEGIES), fc.array(request, { maxLength: 5 }), (docs, strategy, requests) => {
        const engine = createPolicyEngine({ policies: docs, strategy });
        for (const r of requests) {
          const d = engine.decide(r, { explain: true });
          expect(typeof d.allowed).toBe("boolean");
          expect(d.allowed).toBe(["allow", "warn", "log", "steer", "transform"].includes(d.action));
        }
      }),
      { numRuns: 400 },
    );
  });

  it("adding a top-priority deny rule never turns a deny into an allow", () => {
    fc.assert(
      fc.property(policies, fc.constantFrom(...CONFLICT_STRATEGIES), safeCondition, fc.nat({ max: 2 }), request, (docs, strategy, condition, target, r) => {
        const before = createPolicyEngine({ policies: docs, strategy }).decide(r);
        const index = target % docs.length;
        const tightened = docs.map((doc, i) =>
          i !== index ? doc : { ...doc, rules: [...(doc.rules ?? []), { name: "top-deny", condition, action: "deny" as const, priority: 1000, ...(r.stage === undefined ? {} : { stage: r.stage }) }] },
        );
        const after = createPolicyEngine({ policies: tightened, strategy }).decide(r);
        if (!before.allowed) expect(after.allowed).toBe(false);
      }),
      { numRuns: 600 },
    );
  });

  it("no applicable policy never allows", () => {
    fc.assert(
      fc.property(policies, fc.constantFrom(...CONFLICT_STRATEGIES), request, (docs, strategy, r) => {
        const elsewhere = docs.map((doc) => ({ ...doc, agents: ["nobody-*"] }));
        const d = createPolicyEngine({ policies: elsewhere, strategy }).decide(r);
        expect(d).toMatchObject({ allowed: false, action: "deny", code: "no_policy" });
        const shadowOnly = docs.map((doc) => ({ ...doc, mode: "shadow" as const }));
        expect(createPolicyEngine({ policies: shadowOnly, strategy }).decide(r)).toMatchObject({ allowed: false, code: "no_policy" });
        expect(createPolicyEngine({ policies: [], strategy }).decide(r)).toMatchObject({ allowed: false, code: "no_policy" });
      }),
      { numRuns: 300 },
    );
  });
});
