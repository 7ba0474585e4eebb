import { describe, expect, it } from "vitest";
import { jsonlAudit, memoryAudit } from "../audit/index.js";
import type { AuditSink } from "../audit/types.js";
import { GovernanceDenied, isAgentGovError } from "../errors.js";
import type { PolicyDocument } from "../policy/document.js";
import type { PolicyEngine } from "../policy/engine.js";
import type { DecisionRequest } from "../policy/types.js";
import { denial } from "../testing/index.js";
import { createKernel } from "./create-kernel.js";
import type { KernelOptions } from "./types.js";

const policy: PolicyDocument = {
  apiVersion: "agentgov/v1",
  name: "p",
  default_action: "deny",
  rules: [
    { name: "allow-read", condition: "tool.name == 'read'", action: "allow" },
    { name: "block-drop", condition: "tool.name == 'sql' and args.q startswith 'DROP'", action: "deny", priority: 10, message: "no DROP" },
    { name: "sql", condition: "tool.name == 'sql'", action: "allow" },
    { name: "refund", condition: "tool.name == 'refund'", action: "require_approval", approvers: ["finance"], quorum: 2 },
    { name: "page-size", condition: "tool.name == 'query'", action: "transform", set: { "args.limit": 100 }, redact: ["args.token"] },
    { name: "nudge", condition: "tool.name == 'nudge'", action: "steer", message: "prefer the cache next time" },
    { name: "no-secrets-out", stage: "post_tool", condition: "has(output.secret)", action: "deny", message: "output holds a secret" },
    { name: "mask-ssn", stage: "post_tool", condition: "has(output.ssn)", action: "transform", redact: ["output.ssn"] },
  ],
};

const call = (tool: string, args: Record<string, unknown> = {}): DecisionRequest => ({ agent: "bot", context: { tool: { name: tool }, args, action: { type: tool } } });

/** A tool whose side effect is counted, to prove whether it ran. */
function counter<T>(result: T | ((args: unknown) => T)) {
  const seen: unknown[] = [];
  const run = (args: unknown): T => {
    seen.push(args);
    return typeof result === "function" ? (result as (args: unknown) => T)(args) : result;
  };
  return { run, seen };
}


function kernelWith(options: KernelOptions = {}) {
  const audit = memoryAudit();
  return { kernel: createKernel({ policies: [policy], audit, ...options }), audit };
}

describe("kernel.enforce", () => {
  it("runs an allowed tool and records the decision before and the outcome after", async () => {
    const { kernel, audit } = kernelWith();
    const tool = counter("ok");
    await expect(kernel.enforce(call("read", { path: "/a" }), tool.run, { callId: "c1" })).resolves.toBe("ok");
    expect(tool.seen).toEqual([{ path: "/a" }]);
    const records = audit.records();
    expect(records.map((r) => [r.kind, r.outcome?.status, r.call_id])).toEqual([["decision", "pending", "c1"], ["outcome", "ok", "c1"]]);
    expect(records[0]).toMatchObject({ agent: "bot", tool: "read", action: "read", decision: { action: "allow", matched_rule: "allow-read", code: "rule" } });
  });

  it("never runs a denied tool, throws GovernanceDenied naming the rule, and records the denial", async () => {
    const { kernel, audit } = kernelWith();
    const tool = counter("dropped");
    const error = await denial(kernel.enforce(call("sql", { q: "DROP TABLE t" }), tool.run));
    expect(tool.seen).toHaveLength(0);
    expect(error.code).toBe("DENIED");
    expect(isAgentGovError(error)).toBe(true);
    expect(error.message).toContain("rule 'block-drop' of policy 'p'");
    expect(error.decision).toMatchObject({ matched_rule: "block-drop", code: "rule" });
    expect(audit.records().map((r) => r.outcome?.status)).toEqual(["denied"]);
  });

  it("denies a malformed request (invalid_request) without running the tool", async () => {
    const { kernel } = kernelWith();
    const tool = counter("x");
    for (const bad of [{ agent: 7, context: {} }, { agent: "bot", stage: "later", context: {} }, { agent: "bot" }, null]) {
      const error = await denial(kernel.enforce(bad as unknown as DecisionRequest, tool.run));
      expect(error.decision.code).toBe("invalid_request");
    }
    expect(tool.seen).toHaveLength(0);
  });

  it("denies with internal_error when policy evaluation throws, without running the tool", async () => {
    const engine: PolicyEngine = {
      decide: () => {
        throw new Error("boom");
      },
      digest: "d",
      strategy: "priority_first_match",
      policyNames: [],
      hasRulesFor: () => false,
    };
    const kernel = createKernel({ engine, audit: memoryAudit() });
    const tool = counter("x");
    const error = await denial(kernel.enforce(call("read"), tool.run));
    expect(error.decision).toMatchObject({ allowed: false, code: "internal_error" });
    expect(error.decision.reason).toContain("boom");
    expect(tool.seen).toHaveLength(0);
    expect(kernel.stats.internalErrors).toBe(1);
  });

  it("records an internal-error denial in the audit when it can", async () => {
    const audit = memoryAudit();
    const kernel = createKernel({ policies: [policy], audit, approvals: () => Promise.resolve({ approved: true }) });
    const hostile = call("read", {});
    Object.defineProperty(hostile.context, "args", { get: () => { throw new Error("getter exploded"); }, enumerable: true });
    const error = await denial(kernel.enforce(hostile, () => "x", { callId: "c9" }));
    expect(error.decision.code).toBe("internal_error");
    expect(audit.records().at(-1)).toMatchObject({ call_id: "c9", decision: { code: "internal_error" }, outcome: { status: "denied" } });
  });

  it("denies with audit_unavailable when the sink refuses the record, without running the tool", async () => {
    const refusing: AuditSink = {
      append: () => {
        throw new Error("disk full");
      },
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
      head: () => ({ seq: 0, hash: "0".repeat(64) }),
    };
    const kernel = createKernel({ policies: [policy], audit: refusing });
    const tool = counter("x");
    const error = await denial(kernel.enforce(call("read"), tool.run));
    expect(error.decision).toMatchObject({ code: "audit_unavailable", matched_rule: "allow-read" });
    expect(tool.seen).toHaveLength(0);
    expect(kernel.stats.auditFailuresDenied).toBe(1);
  });

  it("denies once a real JSONL sink has failed to write (/dev/full)", async () => {
    const audit = jsonlAudit("/dev/full", { flushIntervalMs: 1 });
    const kernel = createKernel({ policies: [policy], audit });
    const tool = counter("x");
    await kernel.enforce(call("read"), tool.run).catch(() => undefined);
    await audit.flush().catch(() => undefined);
    expect(audit.state()).toBe("failed");
    const error = await denial(kernel.enforce(call("read"), tool.run));
    expect(error.decision.code).toBe("audit_unavailable");
    expect(tool.seen.length).toBeLessThanOrEqual(1);
  });

  it("denies after the sink is closed", async () => {
    const { kernel } = kernelWith();
    await kernel.close();
    const tool = counter("x");
    expect((await denial(kernel.enforce(call("read"), tool.run))).decision.code).toBe("audit_unavailable");
    expect(tool.seen).toHaveLength(0);
  });

  it("runs despite a refused record only when the deployment opts out, and counts it", async () => {
    const audit = memoryAudit();
    await audit.close();
    const kernel = createKernel({ policies: [policy], audit, auditFailure: "allow_and_count" });
    const tool = counter("ran");
    await expect(kernel.enforce(call("read"), tool.run)).resolves.toBe("ran");
    expect(kernel.stats.auditFailuresAllowed).toBe(2);
  });

  it("denies arguments that cannot be recorded (not JSON) with invalid_request", async () => {
    const { kernel } = kernelWith();
    const tool = counter("x");
    const error = await denial(kernel.enforce({ agent: "bot", context: { tool: { name: "read" }, args: { n: 10n } } }, tool.run));
    expect(error.decision).toMatchObject({ code: "invalid_request" });
    expect(tool.seen).toHaveLength(0);
  });

  it("rethrows the tool's own error unchanged and audits it", async () => {
    const { kernel, audit } = kernelWith();
    const original = new TypeError("tool broke");
    const error: unknown = await kernel.enforce(call("read"), () => {
      throw original;
    }).catch((e: unknown) => e);
    expect(error).toBe(original);
    const last = audit.records().at(-1);
    expect(last?.outcome).toMatchObject({ status: "error", error: { name: "TypeError", message: "tool broke" } });
  });

  describe("approvals", () => {
    it("denies approval_required without a handler", async () => {
      const { kernel } = kernelWith();
      const tool = counter("x");
      expect((await denial(kernel.enforce(call("refund", { amount: 900 }), tool.run))).decision).toMatchObject({ code: "approval_required", matched_rule: "refund" });
      expect(tool.seen).toHaveLength(0);
    });

    it("runs when the quorum approves, bound to the action digest", async () => {
      const asked: string[] = [];
      const { kernel, audit } = kernelWith({
        approvals: (req) => {
          asked.push(req.actionDigest);
          return Promise.resolve({ approved: true, approvers: ["ann", "bob"] });
        },
      });
      const tool = counter("refunded");
      await expect(kernel.enforce(call("refund", { amount: 900 }), tool.run)).resolves.toBe("refunded");
      await kernel.enforce(call("refund", { amount: 900 }), tool.run);
      await kernel.enforce(call("refund", { amount: 901 }), tool.run);
      expect(asked[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(asked[1]).toBe(asked[0]);
      expect(asked[2]).not.toBe(asked[0]);
      expect(audit.records()[0]?.decision).toMatchObject({ action: "require_approval", reason: expect.stringContaining("approved by ann, bob") as unknown });
    });

    it.each([
      ["the approvers deny", () => Promise.resolve({ approved: false, note: "too big" }), "approval_denied"],
      ["fewer than quorum distinct approvers", () => Promise.resolve({ approved: true, approvers: ["ann", "ann"] }), "approval_denied"],
      ["the handler throws", () => Promise.reject(new Error("approvals service down")), "approval_error"],
      ["the handler throws synchronously", () => {
        throw new Error("sync failure");
      }, "approval_error"],
      ["the handler answers garbage", () => Promise.resolve(null as never), "approval_error"],
      ["the handler hangs", () => new Promise<never>(() => undefined), "approval_timeout"],
    ])("denies when %s", async (_what, handler, code) => {
      const { kernel } = kernelWith({ approvals: handler, approvalTimeoutMs: 30 });
      const tool = counter("x");
      const error = await denial(kernel.enforce(call("refund", { amount: 900 }), tool.run));
      expect(error.decision).toMatchObject({ allowed: false, action: "deny", code, matched_rule: "refund" });
      expect(tool.seen).toHaveLength(0);
    });
  });

  it("applies transform set and redacts arguments in the tool call and the audit", async () => {
    const { kernel, audit } = kernelWith();
    const tool = counter((args) => args);
    const args = { q: "x", limit: 5000, token: "t0p" };
    const result = await kernel.enforce(call("query", args), tool.run);
    expect(result).toEqual({ q: "x", limit: 100, token: "[REDACTED]" });
    expect(args).toEqual({ q: "x", limit: 5000, token: "t0p" });
    const first = audit.records()[0];
    expect(first?.args).toEqual({ q: "x", limit: 5000, token: "[REDACTED]" });
    expect(first?.args_digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("redacts secret-looking keys in audit records by default", async () => {
    const { kernel, audit } = kernelWith();
    await kernel.enforce(call("read", { path: "/a", password: "hunter2", nested: { apiKey: "k" } }), () => "ok");
    expect(audit.records()[0]?.args).toEqual({ path: "/a", password: "[REDACTED]", nested: { apiKey: "[REDACTED]" } });
  });

  it("appends the steer message to a string output and reports it", async () => {
    const { kernel } = kernelWith();
    const steered: string[] = [];
    const result = await kernel.enforce(call("nudge"), () => "data", { onSteer: (m) => steered.push(m) });
    expect(result).toBe("data\n\n[agentgov] prefer the cache next time");
    expect(steered).toEqual(["prefer the cache next time"]);
  });

  it("withholds an output a post_tool rule denies, and redacts with a post_tool transform", async () => {
    const { kernel, audit } = kernelWith();
    const error = await denial(kernel.enforce(call("read"), () => ({ secret: "s" })));
    expect(error.decision).toMatchObject({ matched_rule: "no-secrets-out", code: "rule" });
    expect(audit.records().at(-1)).toMatchObject({ kind: "outcome", stage: "post_tool", decision: { matched_rule: "no-secrets-out" } });
    await expect(kernel.enforce(call("read"), () => ({ ssn: "123", name: "x" }))).resolves.toEqual({ ssn: "[REDACTED]", name: "x" });
    await expect(kernel.enforce(call("read"), () => ({ plain: 1 }))).resolves.toEqual({ plain: 1 });
  });

  it("takes the post_tool decision only after a pre_tool call, not for other stages", async () => {
    const kernel = createKernel({
      audit: memoryAudit(),
      policies: [{ apiVersion: "agentgov/v1", name: "open", default_action: "allow", rules: [{ name: "no-secrets-out", stage: "post_tool", condition: "has(output.secret)", action: "deny" }] }],
    });
    const secretOutput = () => ({ secret: "s" });
    await expect(kernel.enforce(call("read"), secretOutput)).rejects.toBeInstanceOf(GovernanceDenied);
    const handoff: DecisionRequest = { agent: "bot", stage: "handoff", context: { target: { agent: "x" } } };
    await expect(kernel.enforce(handoff, secretOutput)).resolves.toEqual({ secret: "s" });
  });

  it("denies everything while the kill switch is engaged, and a quarantined agent", async () => {
    const { kernel } = kernelWith();
    kernel.killSwitch.engage("incident 42");
    expect((await denial(kernel.enforce(call("read"), () => "x"))).decision).toMatchObject({ code: "kill_switch" });
    kernel.killSwitch.release();
    kernel.quarantine.add("bot", "looping");
    expect(kernel.decide(call("read"))).toMatchObject({ code: "quarantined" });
    kernel.quarantine.remove("bot");
    expect(kernel.decide(call("read"))).toMatchObject({ allowed: true });
  });
});
