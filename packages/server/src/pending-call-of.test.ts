import { describe, expect, it } from "vitest";
import type { AuditEntry } from "@agentgov/core";
import { pendingCallOf, type PendingCall } from "./pending-calls.js";

/** Every field a pending call keeps: adding a field to AuditEntry fails to compile here until pendingCallOf copies it. */
const KEPT: Record<keyof PendingCall, true> = { agent: true, stage: true, tool: true, action: true, call_id: true, run_id: true, decision: true, policy_digest: true, audit_failures: true, ext: true };

const full: AuditEntry = {
  kind: "decision",
  agent: "a",
  stage: "pre_tool",
  tool: "t",
  action: "act",
  call_id: "c",
  run_id: "r",
  args_digest: "0".repeat(64),
  args: { q: 1 },
  decision: { allowed: true, action: "allow", matched_rule: "m", policy: "p", code: "rule", reason: "why" },
  policy_digest: "d",
  outcome: { status: "pending" },
  audit_failures: 2,
  ext: { x: { y: 1 } },
};

describe("pendingCallOf", () => {
  it("keeps every field but kind, args, args_digest and outcome, as an object rest does", () => {
    const { kind: _k, args: _a, args_digest: _d, outcome: _o, ...rest } = full;
    const call = pendingCallOf(full);
    expect(call).toStrictEqual(rest);
    expect(Object.keys(call).sort()).toEqual(Object.keys(KEPT).sort());
  });

  it("leaves absent optional fields absent", () => {
    const minimal: AuditEntry = { kind: "decision", agent: "a", stage: "pre_tool", decision: full.decision, policy_digest: "d" };
    expect(pendingCallOf(minimal)).toStrictEqual({ agent: "a", stage: "pre_tool", decision: full.decision, policy_digest: "d" });
  });
});
