import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../audit/types.js";
import { createCallIds } from "./call-ids.js";

const decision = { allowed: true, action: "allow", matched_rule: null, policy: null, code: "default", reason: "" } as const;
const entry = (tool: string, callId?: string): AuditEntry => ({ kind: "decision", agent: "bot", stage: "pre_tool", tool, decision, policy_digest: "", ...(callId === undefined ? {} : { call_id: callId }) });
const request = (tool: string) => ({ agent: "bot", context: { tool: { name: tool } } });

describe("createCallIds", () => {
  it("links an adapter's entry to the most recent unclaimed decision of the same agent, stage and tool, once", () => {
    const ids = createCallIds();
    ids.decided(request("read"), "s1");
    ids.decided(request("write"), "s2");
    ids.decided(request("read"), "s3");
    expect(ids.claim(entry("read", "tc-1"))).toBe("s3");
    expect(ids.serverId("tc-1")).toBe("s3");
    expect(ids.claim(entry("read", "tc-2"))).toBe("s1");
    expect(ids.claim(entry("read", "tc-3"))).toBeUndefined();
    expect(ids.claim(entry("write"))).toBe("s2");
  });

  it("is bounded: the oldest links are dropped first", () => {
    const ids = createCallIds(2);
    ids.link("a", "1");
    ids.link("b", "2");
    ids.link("c", "3");
    expect([ids.serverId("a"), ids.serverId("b"), ids.serverId("c")]).toEqual([undefined, "2", "3"]);
  });
});
