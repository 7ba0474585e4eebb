import { validateRequest } from "@agentgov/core/policy";
import { describe, expect, it } from "vitest";
import { ATTACKS, OVERSIZED_BYTES } from "./catalogue.js";
import { OWASP_AGENTIC_IDS } from "./owasp-agentic.js";

describe("the attack catalogue", () => {
  it("has unique ids named after their category, each tagged with a listed OWASP Agentic risk", () => {
    expect(new Set(ATTACKS.map((a) => a.id)).size).toBe(ATTACKS.length);
    for (const a of ATTACKS) {
      expect(a.id.startsWith(`${a.category}.`)).toBe(true);
      expect(OWASP_AGENTIC_IDS).toContain(a.risk);
    }
  });

  it("builds well-formed decision requests (a malformed one would be denied as invalid_request and look stopped)", () => {
    for (const a of ATTACKS) expect(validateRequest(a.request("bot")), a.id).toBeNull();
  });

  it("covers every category the brief names, and its oversized inputs really exceed the 1 MiB operand limit", () => {
    const categories = new Set(ATTACKS.map((a) => a.category));
    for (const c of ["destructive_tool", "data_exfiltration", "privilege_escalation", "handoff_abuse", "oversized_input", "prompt_injection"] as const) expect(categories).toContain(c);
    const sizes = ATTACKS.filter((a) => a.category === "oversized_input").map((a) => JSON.stringify(a.request("bot")).length);
    expect(sizes.length).toBe(2);
    for (const size of sizes) expect(size).toBeGreaterThan(OVERSIZED_BYTES);
  });
});
