import { createKernel } from "@agentgov/core";
import { memoryAudit } from "@agentgov/core/audit";
import { describe, expect, it } from "vitest";
import { CONTRACT_AGENT, defineContract } from "./contract/define-contract.js";
import { sidecarMode } from "./contract/kernel-mode.js";
import { aiSdkDriver } from "./drivers/ai-sdk.js";
import { DENY_DELETE } from "./fixtures/policies.js";

defineContract(aiSdkDriver(7));
defineContract(aiSdkDriver(6));
defineContract(aiSdkDriver(7), sidecarMode());
defineContract(aiSdkDriver(6), sidecarMode());

// C10's MCP half, which the shared contract does not drive: the real server's `mcp_fail`
// comes back as an `isError` result (not a throw); it must reach the model and be audited as an error.
describe.each([7, 6] as const)("ai-sdk@%s: MCP tool error fed back (C10)", (major) => {
  it("mcp_fail reaches the model, the run completes, the audit outcome is an error", async () => {
    const audit = memoryAudit();
    const kernel = createKernel({ policies: [DENY_DELETE], audit });
    const r = await aiSdkDriver(major).run({ kernel, agent: CONTRACT_AGENT, mcp: true, calls: [{ id: "c7", name: "mcp_fail", args: {} }] });
    expect(r.error).toBeUndefined();
    expect(r.final).toBe("done");
    expect(r.serverLog).toContain("mcp_fail");
    expect(r.modelSaw.find((s) => s.callId === "c7")?.text).toContain("mcp disk on fire");
    expect(audit.records().find((x) => x.call_id === "c7" && x.kind === "outcome")?.outcome).toMatchObject({ status: "error", error: { message: expect.stringContaining("mcp disk on fire") as unknown } });
  });
});
