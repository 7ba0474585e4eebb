import { describe, expect, it } from "vitest";
import { GovernanceDenied } from "../errors.js";
import { createKernel } from "../kernel/create-kernel.js";
import { denial, manualClock, refusingAudit, scriptedApprovals } from "./index.js";

const policy = { apiVersion: "agentgov/v1" as const, name: "p", rules: [{ name: "q", condition: "tool.name == 't'", action: "allow" as const, limit: "1/second" }, { name: "a", condition: "tool.name == 'r'", action: "require_approval" as const }] };
const req = (tool: string) => ({ agent: "x", context: { tool: { name: tool } } });

describe("testing helpers", () => {
  it("manualClock drives rate limits", () => {
    const clock = manualClock(1000);
    const kernel = createKernel({ policies: [policy], clock });
    expect(kernel.decide(req("t")).allowed).toBe(true);
    expect(kernel.decide(req("t")).code).toBe("rate_limited");
    clock.advance(1000);
    expect(kernel.decide(req("t")).allowed).toBe(true);
  });

  it("scriptedApprovals answers in order and records the requests", async () => {
    const approvals = scriptedApprovals([{ approved: true, approvers: ["ann"] }, { approved: false }, new Error("down")]);
    const kernel = createKernel({ policies: [policy], approvals });
    await expect(kernel.enforce(req("r"), () => "ok")).resolves.toBe("ok");
    await expect(kernel.enforce(req("r"), () => "ok")).rejects.toMatchObject({ decision: { code: "approval_denied" } });
    await expect(kernel.enforce(req("r"), () => "ok")).rejects.toMatchObject({ decision: { code: "approval_error" } });
    await expect(kernel.enforce(req("r"), () => "ok")).rejects.toMatchObject({ decision: { code: "approval_error" } });
    expect(approvals.asked).toHaveLength(4);
  });

  it("refusingAudit makes enforcement deny audit_unavailable", async () => {
    const kernel = createKernel({ policies: [policy], audit: refusingAudit() });
    await expect(kernel.enforce(req("t"), () => "ok")).rejects.toBeInstanceOf(GovernanceDenied);
  });

  it("denial returns the GovernanceDenied a governed call rejects with, and fails on anything else", async () => {
    const kernel = createKernel({ policies: [policy], approvals: scriptedApprovals([{ approved: false }]) });
    const denied = await denial(kernel.enforce(req("r"), () => "ok"));
    expect(denied).toBeInstanceOf(GovernanceDenied);
    expect(denied.decision.code).toBe("approval_denied");
    await expect(denial(Promise.resolve("ran"))).rejects.toThrow("expected GovernanceDenied");
    const other = new Error("boom");
    await expect(denial(Promise.reject(other))).rejects.toBe(other);
  });
});
