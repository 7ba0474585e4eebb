/**
 * Approved calls and withdrawn approvals, end to end: a real server on 127.0.0.1 and the
 * real remote kernel (`enforce` is asynchronous, so it can share this thread), or the
 * approvals API over HTTP.
 */
import { join } from "node:path";
import { createKernel, GovernanceDenied, remoteApprovalHandler, remoteKernel, type AuditRecord, type DecisionRequest, type RemoteKernel } from "@agentgov/core";
import { afterEach, describe, expect, it } from "vitest";
import { actionDigestOf } from "./action-digest.js";
import { call, request, startHarness, SUPPORT_POLICY, waitFor, type Harness } from "./testing/fixtures/harness.js";
import { issueToken, TOKENS_FILE } from "./tokens.js";

const POLICY = `${SUPPORT_POLICY}  - name: refund-needs-one
    condition: "tool.name == 'refund'"
    action: require_approval
    approvers: [alice]
`;

let h: Harness | undefined;
let kernel: RemoteKernel | undefined;
afterEach(async () => {
  await kernel?.close();
  kernel = undefined;
  await h?.cleanup();
  h = undefined;
});

/** A server with the refund policy and alice's approver token. */
async function start(): Promise<{ h: Harness; alice: string }> {
  let harness = await startHarness({}, POLICY);
  const alice = issueToken(join(harness.data, TOKENS_FILE), { id: "alice", scopes: ["approve"] });
  await harness.server.close();
  harness = await harness.restart();
  h = harness;
  return { h: harness, alice };
}

const refund = (amount: number): DecisionRequest => request("support-1", "refund", { amount }) as unknown as DecisionRequest;

async function pendingId(harness: Harness): Promise<string> {
  let id = "";
  await waitFor(() => {
    id = harness.server.approvals.list("pending")[0]?.id ?? "";
    return Promise.resolve(id !== "");
  }, "a pending approval");
  return id;
}

async function records(harness: Harness, query: string): Promise<AuditRecord[]> {
  return (await call(harness.base, `/v1/audit?${query}`, { token: harness.tokens.audit })).body.records as AuditRecord[];
}

const story = (list: readonly AuditRecord[]): [string, string, string | undefined][] => list.map((r) => [r.kind, r.decision.code, r.outcome?.status]);

describe("an approved call through the remote kernel", () => {
  it("is recorded under one call id: pending_approval, the approval's result, the tool's outcome", async () => {
    const { h, alice } = await start();
    kernel = remoteKernel({ endpoint: h.base, token: h.tokens.decide, timeoutMs: 5_000 });
    const enforced = kernel.enforce(refund(40), () => "refunded");
    const id = await pendingId(h);
    expect((await call(h.base, `/v1/approvals/${id}/approve`, { token: alice, body: { note: "ok" } })).status).toBe(200);
    await expect(enforced).resolves.toBe("refunded");

    const [decision] = await records(h, "tool=refund&kind=decision");
    const callId = decision?.call_id ?? "";
    expect(h.server.approvals.get(id)).toMatchObject({ status: "consumed", callId });
    const history = await records(h, `call_id=${callId}`);
    expect(story(history)).toEqual([
      ["decision", "rule", "pending_approval"],
      ["decision", "rule", "pending"],
      ["outcome", "rule", "ok"],
    ]);
    expect(history[1]).toMatchObject({ tool: "refund", decision: { action: "require_approval", reason: expect.stringContaining("approved by alice") as unknown }, ext: { approval: { id, event: "consume", approved_by: ["alice"] } } });
    expect(history[2]).toMatchObject({ tool: "refund", ext: { approval: { id } } });
    expect(kernel.stats).toMatchObject({ auditForwarded: 1, auditUnforwarded: 0, auditForwardFailures: 0, auditEvents: 0 });
    // The approval's own history names the call.
    expect((await records(h, `call_id=${id}`)).map((r) => [r.action, (r.ext?.approval as { call_id?: string }).call_id])).toEqual([["create", callId], ["vote", callId], ["consume", callId]]);
    expect((await call(h.base, "/v1/audit/verify", { token: h.tokens.audit })).body).toMatchObject({ ok: true });
  });

  it("a denied approval is recorded under the call id as denied; the tool never runs", async () => {
    const { h, alice } = await start();
    kernel = remoteKernel({ endpoint: h.base, token: h.tokens.decide, timeoutMs: 5_000 });
    let ran = 0;
    const enforced = kernel.enforce(refund(40), () => ++ran).catch((e: unknown) => e);
    const id = await pendingId(h);
    await call(h.base, `/v1/approvals/${id}/deny`, { token: alice, body: { note: "no" } });
    expect(((await enforced) as GovernanceDenied).decision.code).toBe("approval_denied");
    expect(ran).toBe(0);
    const [decision] = await records(h, "tool=refund&kind=decision");
    expect(story(await records(h, `call_id=${decision?.call_id ?? ""}`))).toEqual([
      ["decision", "rule", "pending_approval"],
      ["decision", "approval_denied", "denied"],
    ]);
  });
});

describe("consume with a call id (over HTTP)", () => {
  it("registers the released call, so /v1/outcome records its outcome; a different or running call id is refused", async () => {
    const { h, alice } = await start();
    const req = refund(70);
    const decided = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: req });
    const callId = String(decided.body.call_id);
    const digest = actionDigestOf(req, String(decided.body.policy_digest));
    // Before: the call does not wait for an outcome (its decision was require_approval).
    expect((await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: callId, status: "ok" } })).body.code).toBe("UNKNOWN_CALL");
    const created = await call(h.base, "/v1/approvals", { token: h.tokens.decide, body: { request: req, decision: decided.body, actionDigest: digest } });
    const id = String(created.body.id);
    await call(h.base, `/v1/approvals/${id}/approve`, { token: alice, method: "POST" });

    // A call id that is already running (allowed, waiting for its outcome) cannot be released again.
    const running = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("support-1", "search") });
    const busy = await call(h.base, `/v1/approvals/${id}/consume`, { token: h.tokens.decide, body: { actionDigest: digest, call_id: running.body.call_id } });
    expect(busy).toMatchObject({ status: 409, body: { code: "approval_call_mismatch" } });
    const bad = await call(h.base, `/v1/approvals/${id}/consume`, { token: h.tokens.decide, body: { actionDigest: digest, call_id: 42 } });
    expect(bad).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });

    const consumed = await call(h.base, `/v1/approvals/${id}/consume`, { token: h.tokens.decide, body: { actionDigest: digest, call_id: callId } });
    expect(consumed).toMatchObject({ status: 200, body: { status: "consumed", callId } });
    const outcome = await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: callId, status: "ok", duration_ms: 5 } });
    expect(outcome).toMatchObject({ status: 200, body: { kind: "outcome", call_id: callId, tool: "refund", outcome: { status: "ok", duration_ms: 5 } } });
    expect(story(await records(h, `call_id=${callId}`))).toEqual([
      ["decision", "rule", "pending_approval"],
      ["decision", "rule", "pending"],
      ["outcome", "rule", "ok"],
    ]);
  });

  it("a call id given at creation binds the approval: another one at consume is refused", async () => {
    const { h, alice } = await start();
    const req = refund(80);
    const decided = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: req });
    const digest = actionDigestOf(req, String(decided.body.policy_digest));
    const created = await call(h.base, "/v1/approvals", { token: h.tokens.decide, body: { request: req, decision: decided.body, actionDigest: digest, call_id: decided.body.call_id } });
    expect(created.body).toMatchObject({ callId: decided.body.call_id });
    await call(h.base, `/v1/approvals/${String(created.body.id)}/approve`, { token: alice, method: "POST" });
    const other = await call(h.base, `/v1/approvals/${String(created.body.id)}/consume`, { token: h.tokens.decide, body: { actionDigest: digest, call_id: "another-call" } });
    expect(other).toMatchObject({ status: 409, body: { code: "approval_call_mismatch" } });
    expect(h.server.approvals.get(String(created.body.id))?.status).toBe("approved");
    const spaced = await call(h.base, "/v1/approvals", { token: h.tokens.decide, body: { request: req, decision: decided.body, actionDigest: digest, call_id: "has space" } });
    expect(spaced).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
  });
});

describe("POST /v1/approvals/:id/withdraw", () => {
  it("ends a pending approval (expired), audited with the token id; it can no longer be approved or withdrawn", async () => {
    const { h, alice } = await start();
    const req = refund(10);
    const decision = h.server.kernel.decide(req);
    const created = await call(h.base, "/v1/approvals", { token: h.tokens.decide, body: { request: req, decision, actionDigest: actionDigestOf(req, decision.policy_digest) } });
    const id = String(created.body.id);
    expect((await call(h.base, `/v1/approvals/${id}/withdraw`, { token: alice, method: "POST" })).status).toBe(403);
    const withdrawn = await call(h.base, `/v1/approvals/${id}/withdraw`, { token: h.tokens.decide, body: { reason: "gave up" } });
    expect(withdrawn).toMatchObject({ status: 200, body: { id, status: "expired" } });
    expect(await call(h.base, `/v1/approvals/${id}/approve`, { token: alice, method: "POST" })).toMatchObject({ status: 409, body: { code: "approval_not_pending" } });
    expect(await call(h.base, `/v1/approvals/${id}/withdraw`, { token: h.tokens.decide, method: "POST" })).toMatchObject({ status: 409, body: { code: "approval_not_pending" } });
    expect(await call(h.base, "/v1/approvals/nope/withdraw", { token: h.tokens.decide, method: "POST" })).toMatchObject({ status: 404, body: { code: "approval_not_found" } });
    const history = await records(h, `call_id=${id}`);
    expect(history.map((r) => [r.action, r.decision.code, (r.ext?.approval as { by?: string; cause?: string }).by, (r.ext?.approval as { cause?: string }).cause])).toEqual([
      ["create", "approval_required", undefined, undefined],
      ["withdraw", "approval_timeout", "agent-runtime", "gave up"],
    ]);
  });

  it("the remote kernel withdraws when it stops waiting (its timeout), so a later approval is refused", async () => {
    const { h, alice } = await start();
    kernel = remoteKernel({ endpoint: h.base, token: h.tokens.decide, timeoutMs: 5_000, approvalTimeoutMs: 150 });
    let ran = 0;
    const error = await kernel.enforce(refund(20), () => ++ran).catch((e: unknown) => e);
    expect((error as GovernanceDenied).decision.code).toBe("approval_timeout");
    const [approval] = h.server.approvals.list();
    const id = approval?.id ?? "";
    await waitFor(() => Promise.resolve(h.server.approvals.get(id)?.status === "expired"), "the withdrawal");
    expect(await call(h.base, `/v1/approvals/${id}/approve`, { token: alice, method: "POST" })).toMatchObject({ status: 409, body: { code: "approval_not_pending" } });
    expect(ran).toBe(0);
    expect(kernel.stats.approvalWithdrawFailures).toBe(0);
    const callId = approval?.callId ?? "";
    expect(story(await records(h, `call_id=${callId}`))).toEqual([
      ["decision", "rule", "pending_approval"],
      ["decision", "approval_timeout", "denied"],
    ]);
  });

  it("remoteApprovalHandler in a local kernel withdraws too", async () => {
    const { h } = await start();
    const local = createKernel({ policies: [POLICY], approvals: remoteApprovalHandler({ endpoint: h.base, token: h.tokens.decide }), approvalTimeoutMs: 150 });
    const error = await local.enforce(refund(5), () => "ran").catch((e: unknown) => e);
    expect((error as GovernanceDenied).decision.code).toBe("approval_timeout");
    await waitFor(() => Promise.resolve(h.server.approvals.list()[0]?.status === "expired"), "the withdrawal");
    const id = h.server.approvals.list()[0]?.id ?? "";
    expect((await records(h, `call_id=${id}`)).map((r) => r.action)).toEqual(["create", "withdraw"]);
  });
});
