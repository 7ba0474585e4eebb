/** Handoffs, agents used as tools and ungoverned (hosted) tools (FRAMEWORKS.md §3.1, §3.2-1, §3.2-10). */
import { GovernanceDenied, isAgentGovError } from "@agentgov/core";
import { Agent, ModelBehaviorError, Runner, webSearchTool } from "@openai/agents";
import { assistantMessage, functionCall, ScriptedModel } from "@openai/agents/testing";
import { describe, expect, it } from "vitest";
import { governAgent } from "./index.js";
import { fixtureTools, kernelWith, modelSaw } from "./testing/fixtures/helpers.js";

function handoffNames(model: ScriptedModel, index = 0): string[] {
  return (model.calls[index]?.request.handoffs ?? []).map((h) => h.toolName);
}

function rootCause(error: unknown): unknown {
  let e = error;
  for (let i = 0; i < 5 && e !== undefined && !isAgentGovError(e); i++) {
    const next = (e as { error?: unknown; cause?: unknown }).error ?? (e as { cause?: unknown }).cause;
    if (next === undefined) break;
    e = next;
  }
  return e;
}

describe("handoffs", () => {
  it("a denied handoff is hidden from the model", async () => {
    const { kernel } = kernelWith([{ name: "no-billing", stage: "handoff", condition: "target.agent == 'billing'", action: "deny", message: "no billing" }]);
    const billing = new Agent({ name: "billing" });
    const sales = new Agent({ name: "sales" });
    const triage = new Agent({ name: "triage", handoffs: [billing, sales] });
    governAgent(triage, { kernel });
    const model = new ScriptedModel([[assistantMessage("ok")]]);
    await new Runner({ model, tracingDisabled: true }).run(triage, "go");
    expect(handoffNames(model)).toEqual(["transfer_to_sales"]);
  });

  it("invoking a hidden handoff anyway aborts the run (the SDK finds no such tool); the target never runs", async () => {
    const { kernel } = kernelWith([{ name: "no-billing", stage: "handoff", condition: "target.agent == 'billing'", action: "deny" }]);
    const billing = new Agent({ name: "billing" });
    const triage = new Agent({ name: "triage", handoffs: [billing] });
    governAgent(triage, { kernel });
    const model = new ScriptedModel([[functionCall("transfer_to_billing", {}, { callId: "h1" })], [assistantMessage("billing here")]]);
    const error = await new Runner({ model, tracingDisabled: true }).run(triage, "go").then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ModelBehaviorError);
    expect(model.calls).toHaveLength(1);
  });

  it("a handoff denied at invocation (approval refused) rejects the run with GovernanceDenied; the target never runs", async () => {
    const { kernel, records } = kernelWith([{ name: "approve-billing", stage: "handoff", condition: "target.agent == 'billing'", action: "require_approval" }], {
      approvals: () => Promise.resolve({ approved: false }),
    });
    const billing = new Agent({ name: "billing" });
    const triage = new Agent({ name: "triage", handoffs: [billing] });
    governAgent(triage, { kernel });
    const model = new ScriptedModel([[functionCall("transfer_to_billing", {}, { callId: "h1" })], [assistantMessage("billing here")]]);
    const error = await new Runner({ model, tracingDisabled: true }).run(triage, "go").then(() => undefined, (e: unknown) => e);
    expect(handoffNames(model)).toEqual(["transfer_to_billing"]);
    expect(rootCause(error)).toBeInstanceOf(GovernanceDenied);
    expect(model.calls).toHaveLength(1);
    expect(records()[0]).toMatchObject({ agent: "triage", stage: "handoff", tool: "transfer_to_billing", action: "handoff", decision: { code: "approval_denied" }, outcome: { status: "denied" } });
  });

  it("an allowed handoff is audited, and the target's tools are governed", async () => {
    const { kernel, records } = kernelWith([{ name: "no-delete", condition: "tool.name == 'delete_file'", action: "deny" }]);
    const ran: string[] = [];
    const t = fixtureTools(ran);
    const billing = new Agent({ name: "billing", tools: [t.del] });
    const triage = new Agent({ name: "triage", handoffs: [billing] });
    billing.handoffs = [triage]; // a cycle
    governAgent(triage, { kernel });
    const model = new ScriptedModel([
      [functionCall("transfer_to_billing", {}, { callId: "h1" })],
      [functionCall("delete_file", { path: "/x" }, { callId: "c1" })],
      [assistantMessage("done")],
    ]);
    const result = await new Runner({ model, tracingDisabled: true }).run(triage, "go");
    expect(result.lastAgent?.name).toBe("billing");
    expect(result.finalOutput).toBe("done");
    expect(ran).toEqual([]);
    expect(modelSaw(model, 2).get("c1")?.text).toContain("denied by policy (p/no-delete)");
    const handoff = records().filter((r) => r.stage === "handoff");
    expect(handoff.map((r) => [r.kind, r.agent, r.tool, r.outcome?.status])).toEqual([
      ["decision", "triage", "transfer_to_billing", "pending"],
      ["outcome", "triage", "transfer_to_billing", "ok"],
    ]);
    // The delete was decided for the acting agent, which the guardrail receives.
    expect(records().find((r) => r.call_id === "c1")?.agent).toBe("billing");
  });
});

describe("agents used as tools", () => {
  it("a denied asTool call means the sub-agent never runs; an allowed one runs it", async () => {
    const { kernel, records } = kernelWith([{ name: "no-research", condition: "tool.name == 'research'", action: "deny", message: "not now" }]);
    const subModel = new ScriptedModel([[assistantMessage("found it")]]);
    const sub = new Agent({ name: "researcher", model: subModel });
    const agent = new Agent({ name: "lead", tools: [sub.asTool({ toolName: "research", toolDescription: "research" }), sub.asTool({ toolName: "lookup", toolDescription: "lookup" })] });
    governAgent(agent, { kernel });
    const model = new ScriptedModel([[functionCall("research", { input: "x" }, { callId: "a1" })], [functionCall("lookup", { input: "y" }, { callId: "a2" })], [assistantMessage("done")]]);
    const result = await new Runner({ model, tracingDisabled: true }).run(agent, "go");
    expect(result.finalOutput).toBe("done");
    expect(modelSaw(model, 1).get("a1")?.text).toContain("denied by policy (p/no-research): not now");
    expect(subModel.calls).toHaveLength(1); // only the allowed `lookup` ran the sub-agent
    expect(records().filter((r) => r.call_id === "a2").map((r) => r.kind)).toEqual(["decision", "outcome"]);
  });
});

describe("ungoverned tools", () => {
  it("a hosted tool is audited as ungoverned; strict mode throws", () => {
    const { kernel, records } = kernelWith([]);
    const agent = new Agent({ name: "searcher", tools: [webSearchTool()] });
    governAgent(agent, { kernel });
    expect(records()).toEqual([expect.objectContaining({ agent: "searcher", tool: "web_search", decision: expect.objectContaining({ code: "ungoverned", action: "log" }) as unknown })]);
    const strict = kernelWith([]);
    const ran: string[] = [];
    const t = fixtureTools(ran);
    const target = new Agent({ name: "web", tools: [webSearchTool()] });
    const root = new Agent({ name: "s", tools: [t.read], handoffs: [target] });
    expect(() => governAgent(root, { kernel: strict.kernel, strict: true })).toThrow(/not governed/);
    // Nothing was mutated: strict mode never leaves an agent half governed.
    expect(t.read.inputGuardrails).toHaveLength(0);
    expect(root.handoffs[0]).toBe(target);
  });
});
