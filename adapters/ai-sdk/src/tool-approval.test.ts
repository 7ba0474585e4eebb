import { createKernel, isAgentGovError, type Kernel, memoryAudit, type PolicyDocument } from "@agentgov/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { governTools, toolApprovalFor } from "./index.js";
import { AI7 } from "./testing/fixtures/harness.js";

const AGENT = "support-bot";
const DENY_DELETE: PolicyDocument = { apiVersion: "agentgov/v1", name: "p", default_action: "allow", rules: [{ name: "no-delete", condition: "tool.name == 'delete_file'", action: "deny", message: "deleting files is not allowed" }] };
const CALLS = [
  { id: "c1", name: "delete_file", args: { path: "/etc/passwd" } },
  { id: "c2", name: "read_file", args: { path: "a.txt" } },
];

function tools(ran: string[]) {
  const t = (name: string) =>
    AI7.tool({
      description: name,
      inputSchema: z.object({ path: z.string() }),
      execute: ({ path }: { path: string }) => {
        ran.push(`${name}:${path}`);
        return `${name} ${path}`;
      },
    });
  return { read_file: t("read_file"), delete_file: t("delete_file") };
}

describe("toolApprovalFor (ai@7)", () => {
  it.each([false, true])("denies natively (execution-denied), audits once, the loop goes on (stream=%s)", async (stream) => {
    const audit = memoryAudit();
    const kernel = createKernel({ policies: [DENY_DELETE], audit });
    const ran: string[] = [];
    const r = await AI7.run({ tools: governTools(tools(ran), { kernel, agent: AGENT }), toolApproval: toolApprovalFor({ kernel, agent: AGENT }), calls: CALLS, stream });
    expect(r.error).toBeUndefined();
    expect(ran).toEqual(["read_file:a.txt"]);
    expect(r.modelSaw.find((s) => s.callId === "c1")).toEqual({ callId: "c1", type: "execution-denied", text: "denied by policy (p/no-delete): deleting files is not allowed" });
    expect(r.final).toBe("done");
    expect(audit.records().filter((x) => x.call_id === "c1")).toEqual([expect.objectContaining({ kind: "decision", tool: "delete_file", outcome: { status: "denied" } })]);
    expect(audit.records().filter((x) => x.call_id === "c2" && x.kind === "decision")).toHaveLength(1);
    if (stream) expect(r.parts.map((p) => p.type)).toContain("tool-output-denied");
  });

  it("fails closed without rejecting: a throwing kernel yields a denial with internal_error", async () => {
    const real = createKernel({ policies: [DENY_DELETE] });
    const broken: Kernel = {
      ...real,
      digest: real.digest,
      decide: () => {
        throw new Error("decide exploded");
      },
    };
    const ran: string[] = [];
    const r = await AI7.run({ tools: tools(ran), toolApproval: toolApprovalFor({ kernel: broken, agent: AGENT }), calls: CALLS });
    expect(r.error).toBeUndefined();
    expect(ran).toEqual([]);
    expect(r.modelSaw.map((s) => s.text)).toEqual([expect.stringContaining("internal_error"), expect.stringContaining("internal_error")]);
  });

  it("hard mode: onDeny throw rejects the run with GovernanceDenied", async () => {
    const kernel = createKernel({ policies: [DENY_DELETE] });
    const ran: string[] = [];
    const r = await AI7.run({ tools: governTools(tools(ran), { kernel, agent: AGENT }), toolApproval: toolApprovalFor({ kernel, agent: AGENT, onDeny: "throw" }), calls: CALLS });
    // Rejected with GovernanceDenied itself, not wrapped.
    expect(isAgentGovError(r.error)).toBe(true);
    expect(ran).not.toContain("delete_file:/etc/passwd");
  });
});

describe("toolApprovalFor and rate limits", () => {
  it("looks without counting: under a 1/minute limit two looks pass, and only the governed call spends the token", async () => {
    const kernel = createKernel({ clock: () => 0, policies: [{ apiVersion: "agentgov/v1", name: "q", default_action: "deny", rules: [{ name: "once", condition: "tool.name == 'read_file'", action: "allow", limit: "1/minute" }] }] });
    const look = toolApprovalFor({ kernel, agent: "a" }) as unknown as (o: { toolCall: unknown }) => Promise<unknown>;
    const toolCall = { toolName: "read_file", toolCallId: "c1", input: { path: "a" } };
    expect(await look({ toolCall })).toBe("not-applicable");
    expect(await look({ toolCall })).toBe("not-applicable");
    await kernel.enforce({ agent: "a", context: { tool: { name: "read_file" }, args: {} } }, () => "ran");
    expect(await look({ toolCall })).toMatchObject({ type: "denied", reason: expect.stringContaining("rate_limited") as unknown });
  });
});
