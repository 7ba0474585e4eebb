/**
 * The remote kernel against a real `@agentgov/server` sidecar (in-process, on another
 * thread, 127.0.0.1): round trips, the sidecar's audit, its approvals API end to end, and
 * failures that must deny.
 */
import { GovernanceDenied, remoteKernel, type AuditRecord, type DecisionRequest, type PolicyDocument } from "@agentgov/core";
import { denial } from "@agentgov/core/testing";
import { GovernanceCallbackHandler } from "@agentgov/langchain";
import type { Serialized } from "@langchain/core/load/serializable";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DECIDE_TOKEN, SidecarHost, type Sidecar, type TestToken } from "./sidecar.js";
import { OpenedKernels, type KernelAndSidecar } from "./kernel-fixture.js";

const ANN: TestToken = { id: "ann", token: "agt_ann-approves", scopes: ["approve"] };
const BOB: TestToken = { id: "bob", token: "agt_bob-approves", scopes: ["approve"] };

const policy: PolicyDocument = {
  apiVersion: "agentgov/v1",
  name: "remote",
  default_action: "allow",
  rules: [
    { name: "no-delete", condition: "tool.name == 'delete_file'", action: "deny", message: "deleting files is not allowed" },
    { name: "refunds", condition: "tool.name == 'refund'", action: "require_approval", approvers: ["ann", "bob"], quorum: 2 },
  ],
};

const call = (tool: string, args: Record<string, unknown> = {}): DecisionRequest => ({ agent: "remote-bot", stage: "pre_tool", context: { tool: { name: tool }, args, action: { type: tool } } });

const host = new SidecarHost();
const opened = new OpenedKernels();

async function setup(options: { token?: string; approvalTimeoutMs?: number } = {}): Promise<KernelAndSidecar> {
  const sidecar = await host.start({ policies: [policy], tokens: [ANN, BOB] });
  const kernel = remoteKernel({ endpoint: sidecar.endpoint, token: options.token ?? DECIDE_TOKEN.token, approvalTimeoutMs: options.approvalTimeoutMs ?? 20_000 });
  return opened.add({ kernel, sidecar });
}

afterEach(() => opened.closeAll());

afterAll(() => host.close());

/** Calls the sidecar's API as `who`. */
async function api(sidecar: Sidecar, who: TestToken, method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sidecar.endpoint}${path}`, {
    method,
    headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function pendingApproval(sidecar: Sidecar): Promise<{ id: string; actionDigest: string }> {
  for (let i = 0; i < 500; i++) {
    const { json } = await api(sidecar, ANN, "GET", "/v1/approvals?status=pending");
    const [first] = json.approvals as { id: string; actionDigest: string }[];
    if (first !== undefined) return first;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("no pending approval appeared");
}

function ofCall(records: readonly AuditRecord[], callId: string | undefined): [string, string | undefined][] {
  return records.filter((r) => r.call_id === callId).map((r) => [r.kind, r.outcome?.status]);
}

describe("remoteKernel against a real sidecar", () => {
  it("decide (synchronous) and decideAsync return the sidecar's decisions", async () => {
    const { kernel } = await setup();
    expect(kernel.decide(call("read_file"))).toMatchObject({ allowed: true, code: "default" });
    expect(kernel.decide(call("delete_file"))).toMatchObject({ allowed: false, matched_rule: "no-delete", policy: "remote" });
    await expect(kernel.decideAsync(call("delete_file"))).resolves.toMatchObject({ allowed: false, matched_rule: "no-delete" });
    expect(kernel.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("enforce: the sidecar records the decision before the call and its outcome after, under one call id", async () => {
    const { kernel, sidecar } = await setup();
    await expect(kernel.enforce(call("read_file", { path: "a.txt" }), () => "contents", { callId: "tc-1" })).resolves.toBe("contents");
    const id = kernel.serverCallId("tc-1");
    expect(id).toBeDefined();
    expect(ofCall(await sidecar.records(), id)).toEqual([
      ["decision", "pending"],
      ["outcome", "ok"],
    ]);
    const denied = await denial(kernel.enforce(call("delete_file", { path: "/etc/passwd" }), () => "ran", { callId: "tc-2" }));
    expect(denied.decision).toMatchObject({ code: "rule", matched_rule: "no-delete" });
    expect(ofCall(await sidecar.records(), kernel.serverCallId("tc-2"))).toEqual([["decision", "denied"]]);
  });

  it("a wrong token is denied remote_unauthorized, and the tool never runs", async () => {
    const { kernel } = await setup({ token: "agt_not-a-token" });
    const ran: unknown[] = [];
    expect((await denial(kernel.enforce(call("read_file"), (a) => ran.push(a)))).decision.code).toBe("remote_unauthorized");
    expect(kernel.decide(call("read_file"))).toMatchObject({ allowed: false, code: "remote_unauthorized" });
    expect(ran).toEqual([]);
  });

  it("a stopped sidecar means deny, never allow (decide, decideAsync, enforce)", async () => {
    const { kernel, sidecar } = await setup();
    expect(kernel.decide(call("read_file")).allowed).toBe(true);
    await sidecar.stop();
    const ran: unknown[] = [];
    expect(kernel.decide(call("read_file"))).toMatchObject({ allowed: false, code: "remote_unavailable" });
    await expect(kernel.decideAsync(call("read_file"))).resolves.toMatchObject({ allowed: false, code: "remote_unavailable" });
    expect((await denial(kernel.enforce(call("read_file"), (a) => ran.push(a)))).decision.code).toBe("remote_unavailable");
    expect(ran).toEqual([]);
    expect(kernel.stats.remoteFailures.remote_unavailable).toBe(3);
  });
});

describe("an adapter that decides synchronously and records its own entries (LangChain's callback handler)", () => {
  it("its decision entry is matched to the sidecar's record and its outcome is recorded there; a deny throws before the tool", async () => {
    const { kernel, sidecar } = await setup();
    const handler = new GovernanceCallbackHandler({ kernel, agent: "remote-bot" });
    const tool = {} as Serialized;
    handler.handleToolStart(tool, JSON.stringify({ path: "a.txt" }), "run-1", undefined, undefined, undefined, "read_file", "tc-9");
    handler.handleToolEnd("contents", "run-1");
    const id = kernel.serverCallId("tc-9");
    expect(id).toBeDefined();
    expect(ofCall(await sidecar.records(), id)).toEqual([
      ["decision", "pending"],
      ["outcome", "ok"],
    ]);
    expect(() => {
      handler.handleToolStart(tool, JSON.stringify({ path: "/etc/passwd" }), "run-2", undefined, undefined, undefined, "delete_file", "tc-10");
    }).toThrow(GovernanceDenied);
    expect(kernel.stats.auditForwarded).toBe(1);
  });
});

describe("remote approvals against the sidecar's approvals API", () => {
  it("the call waits for a quorum of two distinct approvers, then runs once; the approval is consumed", async () => {
    const { kernel, sidecar } = await setup();
    const ran: unknown[] = [];
    const result = kernel.enforce(call("refund", { amount: 30 }), (args) => (ran.push(args), "refunded"));
    const approval = await pendingApproval(sidecar);
    expect((await api(sidecar, ANN, "POST", `/v1/approvals/${approval.id}/approve`, { note: "fine" })).status).toBe(200);
    // One approver twice does not make a quorum.
    expect((await api(sidecar, ANN, "POST", `/v1/approvals/${approval.id}/approve`, {})).status).toBe(409);
    expect(ran).toEqual([]);
    expect((await api(sidecar, BOB, "POST", `/v1/approvals/${approval.id}/approve`, {})).status).toBe(200);
    await expect(result).resolves.toBe("refunded");
    expect(ran).toEqual([{ amount: 30 }]);
    const after = await api(sidecar, ANN, "GET", `/v1/approvals/${approval.id}`);
    expect(after.json.status).toBe("consumed");
    // Single use: the action digest cannot be consumed again.
    expect((await api(sidecar, DECIDE_TOKEN, "POST", `/v1/approvals/${approval.id}/consume`, { actionDigest: approval.actionDigest })).json.code).toBe("approval_consumed");
  });

  it("a deny vote denies (approval_denied) and the tool never runs", async () => {
    const { kernel, sidecar } = await setup();
    const ran: unknown[] = [];
    const result = denial(kernel.enforce(call("refund", { amount: 30 }), (args) => ran.push(args)));
    const approval = await pendingApproval(sidecar);
    await api(sidecar, BOB, "POST", `/v1/approvals/${approval.id}/deny`, { note: "no" });
    expect((await result).decision).toMatchObject({ code: "approval_denied", reason: expect.stringContaining("bob") as unknown });
    expect(ran).toEqual([]);
  });

  it("no vote within the kernel's approval timeout denies (approval_timeout)", async () => {
    const { kernel } = await setup({ approvalTimeoutMs: 300 });
    const ran: unknown[] = [];
    expect((await denial(kernel.enforce(call("refund", { amount: 30 }), (args) => ran.push(args)))).decision.code).toBe("approval_timeout");
    expect(ran).toEqual([]);
  });
});
