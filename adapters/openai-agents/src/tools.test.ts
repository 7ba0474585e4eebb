/** Function tools on the real run loop (FRAMEWORKS.md §3.1, §3.2). */
import { createKernel, GOVERNED, GovernanceDenied, isAgentGovError, renderDenial, type Kernel } from "@agentgov/core";
import { digestArgs } from "@agentgov/core/audit";
import { refusingAudit } from "@agentgov/core/testing";
import { Agent, RunContext, Runner, tool, ToolCallError } from "@openai/agents";
import { assistantMessage, functionCall, ScriptedModel } from "@openai/agents/testing";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { governAgent, reportToolErrors, SDK_DEFAULT_TOOL_ERROR } from "./index.js";
import { ABANDONED_CALL_MS } from "./tool-gate.js";
import { fixtureTools, kernelWith, laterRequests, modelSaw, policy, SECRET } from "./testing/fixtures/helpers.js";

const NO_DELETE = { name: "no-delete", condition: "tool.name == 'delete_file'", action: "deny", message: "deleting files is not allowed" } as const;

function script(...calls: [string, Record<string, unknown>, string][]) {
  return new ScriptedModel([calls.map(([name, args, callId]) => functionCall(name, args, { callId })), [assistantMessage("done")]]);
}

async function runOnce(kernel: Kernel, model: ScriptedModel, extra: { onDeny?: "result" | "throw"; stream?: boolean } = {}) {
  const ran: string[] = [];
  const t = fixtureTools(ran);
  const agent = new Agent({ name: "support-bot", tools: [t.read, t.del, t.flaky, t.profile] });
  governAgent(agent, { kernel, onDeny: extra.onDeny ?? "result" });
  const runner = new Runner({ model, tracingDisabled: true });
  if (extra.stream === true) {
    const stream = await runner.run(agent, "go", { stream: true });
    const events: string[] = [];
    for await (const event of stream) if (event.type === "run_item_stream_event") events.push(event.name);
    await stream.completed;
    return { ran, final: stream.finalOutput, events, agent };
  }
  const result = await runner.run(agent, "go");
  return { ran, final: result.finalOutput, result, agent };
}

describe("function tools", () => {
  it("deny: the body never runs, the model sees the self-explaining denial, the loop continues", async () => {
    const { kernel, records } = kernelWith([NO_DELETE]);
    const model = script(["delete_file", { path: "/etc/passwd" }, "c1"], ["read_file", { path: "a.txt" }, "c2"]);
    const { ran, final } = await runOnce(kernel, model);
    expect(ran).toEqual(["read_file:a.txt"]);
    expect(final).toBe("done");
    const saw = modelSaw(model);
    expect(saw.get("c1")?.text).toBe(renderDenial({ policy: "p", matched_rule: "no-delete", code: "rule", reason: "deleting files is not allowed" }));
    // OpenAI marks the rejected call `completed`, like a success: the text has to say it was denied.
    expect(saw.get("c1")?.status).toBe("completed");
    expect(saw.get("c2")?.text).toContain("contents of a.txt");
    const c1 = records().filter((r) => r.call_id === "c1");
    expect(c1).toHaveLength(1);
    expect(c1[0]).toMatchObject({ kind: "decision", agent: "support-bot", stage: "pre_tool", tool: "delete_file", outcome: { status: "denied" } });
    model.assertComplete();
  });

  it("allow: decision before, outcome after, linked by the model's call id and one run id", async () => {
    const { kernel, records } = kernelWith([NO_DELETE]);
    const model = script(["read_file", { path: "a.txt" }, "c2"]);
    await runOnce(kernel, model);
    const c2 = records().filter((r) => r.call_id === "c2");
    expect(c2.map((r) => [r.kind, r.outcome?.status])).toEqual([["decision", "pending"], ["outcome", "ok"]]);
    expect(c2[0]?.run_id).toEqual(expect.any(String));
    expect(c2[1]?.run_id).toBe(c2[0]?.run_id);
  });

  it("transform: the body runs with the rewritten args, the history keeps the model's, the audit the original digest", async () => {
    const { kernel, records } = kernelWith([{ name: "sandbox", condition: "tool.name == 'read_file'", action: "transform", set: { "args.path": "/sandbox/a.txt" } }]);
    const model = script(["read_file", { path: "a.txt" }, "c2"]);
    const { ran } = await runOnce(kernel, model);
    expect(ran).toEqual(["read_file:/sandbox/a.txt"]);
    expect(modelSaw(model).get("c2")?.text).toContain("contents of /sandbox/a.txt");
    expect(records()[0]).toMatchObject({ args_digest: digestArgs({ path: "a.txt" }), decision: { action: "transform", matched_rule: "sandbox" } });
  });

  it("post_tool redact: the secret reaches neither the model nor the audit; structured output stays structured", async () => {
    const { kernel, records } = kernelWith([
      { name: "redact-reads", stage: "post_tool", condition: "tool.name == 'read_file'", action: "transform", redact: ["output"] },
      { name: "redact-key", stage: "post_tool", condition: "tool.name == 'profile'", action: "transform", redact: ["output.apiKey"] },
    ]);
    const model = script(["read_file", { path: "a.txt" }, "c2"], ["profile", { user: "ann" }, "c5"]);
    const { ran } = await runOnce(kernel, model);
    expect(ran).toEqual(["read_file:a.txt", "profile:ann"]);
    expect(modelSaw(model).get("c2")?.text).toBe("[REDACTED]");
    expect(modelSaw(model).get("c5")?.text).toContain('"user":"ann"');
    expect(laterRequests(model)).not.toContain(SECRET);
    expect(JSON.stringify(records())).not.toContain(SECRET);
  });

  it("steer: the body runs and the reason follows the output, also for a structured output", async () => {
    const { kernel } = kernelWith([{ name: "steer", condition: "tool.name in ['read_file', 'profile']", action: "steer", message: "prefer the cache next time" }]);
    const model = script(["read_file", { path: "a.txt" }, "c2"], ["profile", { user: "ann" }, "c5"]);
    const { final } = await runOnce(kernel, model);
    expect(final).toBe("done");
    for (const id of ["c2", "c5"]) {
      const text = modelSaw(model).get(id)?.text ?? "";
      expect(text.indexOf("prefer the cache next time")).toBeGreaterThan(0);
    }
  });

  it("post_tool deny withholds the output the body already produced", async () => {
    const { kernel } = kernelWith([{ name: "no-secrets", stage: "post_tool", condition: "output contains 'sk-'", action: "deny", message: "secret in output" }]);
    const model = script(["read_file", { path: "a.txt" }, "c2"]);
    const { ran } = await runOnce(kernel, model);
    expect(ran).toEqual(["read_file:a.txt"]);
    expect(modelSaw(model).get("c2")?.text).toContain("denied by policy (p/no-secrets)");
    expect(laterRequests(model)).not.toContain(SECRET);
  });

  it("require_approval goes through core's approval handler, inside the guardrail", async () => {
    const asked: string[] = [];
    const approve = kernelWith([{ name: "approve", condition: "tool.name == 'read_file'", action: "require_approval", approvers: ["ops"] }], {
      approvals: (req) => {
        asked.push((req.request.context.tool as { name: string }).name);
        return Promise.resolve({ approved: true, approvers: ["ann"] });
      },
    });
    const m1 = script(["read_file", { path: "a.txt" }, "c2"]);
    const r1 = await runOnce(approve.kernel, m1);
    expect(asked).toEqual(["read_file"]);
    expect(r1.ran).toEqual(["read_file:a.txt"]);
    expect(approve.records()[0]?.decision.reason).toContain("approved by ann");

    const reject = kernelWith([{ name: "approve", condition: "tool.name == 'read_file'", action: "require_approval" }], { approvals: () => Promise.resolve({ approved: false }) });
    const m2 = script(["read_file", { path: "a.txt" }, "c2"]);
    const r2 = await runOnce(reject.kernel, m2);
    expect(r2.ran).toEqual([]);
    expect(modelSaw(m2).get("c2")?.text).toContain("approval_denied");
  });

  it("a tool error reaches the model as the SDK's error result, the run continues, the audit outcome is an error", async () => {
    const { kernel, records } = kernelWith([NO_DELETE]);
    const model = script(["flaky", {}, "c3"]);
    const { ran, final } = await runOnce(kernel, model);
    expect(ran).toEqual(["flaky:"]);
    expect(final).toBe("done");
    expect(modelSaw(model).get("c3")?.text).toBe(SDK_DEFAULT_TOOL_ERROR);
    expect(records().find((r) => r.call_id === "c3" && r.kind === "outcome")?.outcome?.status).toBe("error");
  });

  it("reportToolErrors(): the model sees the message, the audit records the tool's own error", async () => {
    const { kernel, records } = kernelWith([]);
    const ran: string[] = [];
    const flaky = tool({
      name: "flaky",
      description: "fails",
      parameters: z.object({}),
      execute: () => {
        ran.push("flaky:");
        throw new TypeError("disk on fire");
      },
      errorFunction: reportToolErrors(),
    });
    const agent = new Agent({ name: "bot", tools: [flaky] });
    governAgent(agent, { kernel });
    const model = script(["flaky", {}, "c3"]);
    const result = await new Runner({ model, tracingDisabled: true }).run(agent, "go");
    expect(result.finalOutput).toBe("done");
    expect(modelSaw(model).get("c3")?.text).toBe("An error occurred while running the tool: disk on fire");
    expect(records().find((r) => r.kind === "outcome")?.outcome).toMatchObject({ status: "error", error: { name: "TypeError", message: "disk on fire" } });
  });

  it("onDeny throw at post_tool: the withheld output aborts the run with GovernanceDenied", async () => {
    const { kernel } = kernelWith([{ name: "no-secrets", stage: "post_tool", condition: "output contains 'sk-'", action: "deny" }]);
    const model = script(["read_file", { path: "a.txt" }, "c2"]);
    const error = await runOnce(kernel, model, { onDeny: "throw" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAgentGovError((error as ToolCallError).error)).toBe(true);
    expect(model.calls).toHaveLength(1);
  });

  it("fail closed: an audit sink that refuses denies every call, and the run completes", async () => {
    const kernel = createKernel({ audit: refusingAudit(), policies: [policy([NO_DELETE])] });
    const model = script(["read_file", { path: "a.txt" }, "c2"]);
    const { ran, final } = await runOnce(kernel, model);
    expect(ran).toEqual([]);
    expect(final).toBe("done");
    expect(modelSaw(model).get("c2")?.text).toContain("audit_unavailable");
  });

  it("fail closed: a throw inside the adapter (identity) becomes an audited internal_error deny, never a run abort", async () => {
    const { kernel, records } = kernelWith([]);
    const ran: string[] = [];
    const t = fixtureTools(ran);
    const agent = new Agent({ name: "bot", tools: [t.read] });
    governAgent(agent, {
      kernel,
      agent: () => {
        throw new Error("directory down");
      },
    });
    const model = script(["read_file", { path: "a.txt" }, "c2"]);
    const result = await new Runner({ model, tracingDisabled: true }).run(agent, "go");
    expect(result.finalOutput).toBe("done");
    expect(ran).toEqual([]);
    expect(modelSaw(model).get("c2")?.text).toContain("internal_error");
    expect(records()[0]).toMatchObject({ call_id: "c2", decision: { allowed: false, code: "internal_error" }, outcome: { status: "denied" } });
  });

  it("fail closed: a kernel whose enforce throws synchronously denies", async () => {
    const { kernel } = kernelWith([]);
    const broken: Kernel = Object.create(kernel) as Kernel;
    Object.defineProperty(broken, "enforce", {
      value: () => {
        throw new Error("boom");
      },
    });
    const model = script(["read_file", { path: "a.txt" }, "c2"]);
    const { ran, final } = await runOnce(broken, model);
    expect(ran).toEqual([]);
    expect(final).toBe("done");
    expect(modelSaw(model).get("c2")?.text).toContain("internal_error");
  });

  it("onDeny throw: the run rejects with GovernanceDenied (as the ToolCallError's .error); the body never runs", async () => {
    const { kernel } = kernelWith([NO_DELETE]);
    const model = script(["delete_file", { path: "/etc/passwd" }, "c1"]);
    const error = await runOnce(kernel, model, { onDeny: "throw" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolCallError);
    expect((error as ToolCallError).error).toBeInstanceOf(GovernanceDenied);
    expect(isAgentGovError((error as ToolCallError).error)).toBe(true);
  });

  it("idempotent: governing twice attaches once", async () => {
    const { kernel, records } = kernelWith([NO_DELETE]);
    const ran: string[] = [];
    const t = fixtureTools(ran);
    const agent = new Agent({ name: "bot", tools: [t.read] });
    governAgent(agent, { kernel });
    governAgent(agent, { kernel });
    expect(t.read.inputGuardrails).toHaveLength(1);
    expect((t.read as unknown as Record<symbol, unknown>)[GOVERNED]).toBe(true);
    const model = script(["read_file", { path: "a.txt" }, "c2"]);
    await new Runner({ model, tracingDisabled: true }).run(agent, "go");
    expect(records().filter((r) => r.kind === "decision")).toHaveLength(1);
    expect(ran).toEqual(["read_file:a.txt"]);
  });

  it("streaming goes through the same guardrails and wrapper", async () => {
    const { kernel } = kernelWith([NO_DELETE, { name: "redact-reads", stage: "post_tool", condition: "tool.name == 'read_file'", action: "transform", redact: ["output"] }]);
    const model = script(["delete_file", { path: "/etc/passwd" }, "c1"], ["read_file", { path: "a.txt" }, "c2"]);
    const { ran, final, events } = await runOnce(kernel, model, { stream: true });
    expect(ran).toEqual(["read_file:a.txt"]);
    expect(final).toBe("done");
    expect(events).toContain("tool_output");
    expect(modelSaw(model).get("c1")?.text).toContain("deleting files is not allowed");
    expect(laterRequests(model)).not.toContain(SECRET);
  });

  it("a direct invoke (no guardrail ran) is still enforced", async () => {
    const { kernel, records } = kernelWith([{ name: "no-reads", condition: "tool.name == 'read_file'", action: "deny" }]);
    const ran: string[] = [];
    const t = fixtureTools(ran);
    governAgent(new Agent({ name: "bot", tools: [t.read] }), { kernel });
    const out = await t.read.invoke(new RunContext(), JSON.stringify({ path: "a.txt" }));
    expect(ran).toEqual([]);
    expect(out).toContain("denied by policy (p/no-reads)");
    expect(records()[0]).toMatchObject({ agent: "bot", outcome: { status: "denied" } });
  });

  it("an allowed call the SDK never executes (cancelled) is closed with an error outcome", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    try {
      const { kernel, records } = kernelWith([]);
      const ran: string[] = [];
      const t = fixtureTools(ran);
      const agent = new Agent({ name: "bot", tools: [t.read] });
      governAgent(agent, { kernel });
      const guard = t.read.inputGuardrails?.[0];
      const out = await guard?.run({ context: new RunContext(), agent, toolCall: { type: "function_call", name: "read_file", callId: "c9", arguments: '{"path":"a.txt"}' } });
      expect(out?.behavior.type).toBe("allow");
      await vi.advanceTimersByTimeAsync(ABANDONED_CALL_MS);
      expect(records().map((r) => [r.kind, r.outcome?.status])).toEqual([["decision", "pending"], ["outcome", "error"]]);
      expect(ran).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("the policy shorthand builds a kernel; missing kernel and policy is an options error", () => {
    const ran: string[] = [];
    const t = fixtureTools(ran);
    expect(() => governAgent(new Agent({ name: "a", tools: [t.read] }), {})).toThrow(/kernel or a policy/);
    expect(() => governAgent(new Agent({ name: "b", tools: [t.del] }), { policy: { apiVersion: "agentgov/v1", name: "p", default_action: "allow" } })).not.toThrow();
  });
});
