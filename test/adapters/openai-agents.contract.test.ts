/**
 * The adapter contract (FRAMEWORKS.md §5) against `@agentgov/openai-agents`, plus the
 * OpenAI-specific checks §5 names: C5 with `useStructuredContent` on as well as off, an MCP
 * tool error through the real stdio server, and the handoff half of C13.
 */
import { createKernel, memoryAudit, type PolicyDocument } from "@agentgov/core";
import { governAgent } from "@agentgov/openai-agents";
import { Agent, Runner } from "@openai/agents";
import { assistantMessage, functionCall, ScriptedModel } from "@openai/agents/testing";
import { describe, expect, it } from "vitest";
import { CONTRACT_AGENT, defineContract } from "./contract/define-contract.js";
import { sidecarMode } from "./contract/kernel-mode.js";
import { fixtureTools, modelSawIn, openaiAgentsDriver } from "./drivers/openai-agents.js";
import { DENY_DELETE, REDACT_OUTPUT } from "./fixtures/policies.js";
import { SECRET } from "./fixtures/tools.js";

defineContract(openaiAgentsDriver);
defineContract(openaiAgentsDriver, sidecarMode());

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

describe("adapter contract, C13 handoffs: openai-agents", () => {
  const NO_BILLING: PolicyDocument = {
    apiVersion: "agentgov/v1",
    name: "handoffs",
    default_action: "allow",
    rules: [
      { name: "no-billing", stage: "handoff", condition: "target.agent == 'billing'", action: "deny", message: "billing is off limits" },
      { name: "no-delete", condition: "tool.name == 'delete_file'", action: "deny", message: "deleting files is not allowed" },
    ],
  };

  function handoffNames(model: ScriptedModel, index = 0): string[] {
    return (model.calls[index]?.request.handoffs ?? []).map((h) => h.toolName);
  }

  it("a handoff denied by target.agent is absent from the handoffs of the model's request; an allowed one is there", async () => {
    const audit = memoryAudit();
    const kernel = createKernel({ policies: [NO_BILLING], audit });
    const billing = new Agent({ name: "billing", instructions: "contract" });
    const sales = new Agent({ name: "sales", instructions: "contract" });
    const triage = new Agent({ name: CONTRACT_AGENT, instructions: "contract", handoffs: [billing, sales] });
    governAgent(triage, { kernel });
    const model = new ScriptedModel([[assistantMessage("done")]]);
    const result = await new Runner({ model, tracingDisabled: true }).run(triage, "go");
    expect(result.finalOutput).toBe("done");
    expect(handoffNames(model)).toEqual(["transfer_to_sales"]);
  });

  it("an allowed handoff is audited at stage handoff, and the target's tools are governed", async () => {
    const audit = memoryAudit();
    const kernel = createKernel({ policies: [NO_BILLING], audit });
    const ran: string[] = [];
    const sales = new Agent({ name: "sales", instructions: "contract", tools: fixtureTools(ran) });
    const triage = new Agent({ name: CONTRACT_AGENT, instructions: "contract", handoffs: [sales] });
    governAgent(triage, { kernel });
    const model = new ScriptedModel([
      [functionCall("transfer_to_sales", {}, { callId: "h1" })],
      [functionCall("delete_file", { path: "/etc/passwd" }, { callId: "c1" }), functionCall("read_file", { path: "a.txt" }, { callId: "c2" })],
      [assistantMessage("done")],
    ]);
    const result = await new Runner({ model, tracingDisabled: true }).run(triage, "go");
    expect(result.lastAgent?.name).toBe("sales");
    expect(result.finalOutput).toBe("done");
    const handoff = audit.records().filter((r) => r.stage === "handoff");
    expect(handoff.map((r) => [r.kind, r.agent, r.tool, r.action, r.outcome?.status])).toEqual([
      ["decision", CONTRACT_AGENT, "transfer_to_sales", "handoff", "pending"],
      ["outcome", CONTRACT_AGENT, "transfer_to_sales", "handoff", "ok"],
    ]);
    expect(handoff[0]?.decision).toMatchObject({ allowed: true });
    // The target's tools: the denied delete never ran, the allowed read did.
    expect(ran).toEqual(["read_file:a.txt"]);
    const saw = modelSawIn(model, 2);
    expect(saw.find((m) => m.callId === "c1")?.text).toContain("deleting files is not allowed");
    expect(saw.find((m) => m.callId === "c2")?.text).toContain("contents of a.txt");
    expect(audit.records().find((r) => r.call_id === "c1" && r.kind === "decision")).toMatchObject({ agent: "sales", tool: "delete_file", decision: { allowed: false, matched_rule: "no-delete" } });
  });
});
