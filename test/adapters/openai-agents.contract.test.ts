/**
 * The adapter contract (FRAMEWORKS.md §5) against `@agentgov/openai-agents`, plus the
 * OpenAI-specific checks §5 names: C5 with `useStructuredContent` on as well as off, and an
 * MCP tool error through the real stdio server.
 */
import { createKernel, memoryAudit } from "@agentgov/core";
import { describe, expect, it } from "vitest";
import { CONTRACT_AGENT, defineContract } from "./contract/define-contract.js";
import { openaiAgentsDriver } from "./drivers/openai-agents.js";
import { DENY_DELETE, REDACT_OUTPUT } from "./fixtures/policies.js";
import { SECRET } from "./fixtures/tools.js";

defineContract(openaiAgentsDriver);

describe("adapter contract, OpenAI specifics: openai-agents", () => {
  it("C5 with useStructuredContent on: the secret is nowhere in what the model is sent", async () => {
    const audit = memoryAudit();
    const kernel = createKernel({ policies: [REDACT_OUTPUT], audit });
    const r = await openaiAgentsDriver.runWith({ kernel, agent: CONTRACT_AGENT, mcp: true, calls: [{ id: "c6", name: "mcp_struct", args: { user: "ann" } }] }, { useStructuredContent: true });
    expect(r.serverLog).toContain("mcp_struct");
    expect(r.modelRequests).not.toContain(SECRET);
    expect(r.modelSaw.find((m) => m.callId === "c6")?.text).toContain("ann");
    expect(JSON.stringify(audit.records())).not.toContain(SECRET);
  });

  it("C10 mcp_fail: the error reaches the model, the run completes, the audit outcome is an error", async () => {
    const audit = memoryAudit();
    const kernel = createKernel({ policies: [DENY_DELETE], audit });
    const r = await openaiAgentsDriver.run({ kernel, agent: CONTRACT_AGENT, mcp: true, calls: [{ id: "c8", name: "mcp_fail", args: {} }] });
    expect(r.error).toBeUndefined();
    expect(r.final).toBe("done");
    expect(r.serverLog).toContain("mcp_fail");
    expect(r.modelSaw.find((m) => m.callId === "c8")?.text).toContain("mcp disk on fire");
    expect(audit.records().find((x) => x.call_id === "c8" && x.kind === "outcome")?.outcome?.status).toBe("error");
  });
});
