import { join } from "node:path";
import { createKernel, GovernanceDenied, type DecisionRequest } from "@agentgov/core";
import { refusingAudit } from "@agentgov/core/testing";
import { stubAuditStore } from "./testing/fixtures/stub-audit-store.js";
import { afterEach, describe, expect, it } from "vitest";
import { actionDigestOf } from "./action-digest.js";
import { storeApprovalHandler } from "./approval-handler.js";
import { createApprovalStore, type ApprovalEvent } from "./approval-store.js";
import { call, request, startHarness, SUPPORT_POLICY, waitFor, type Harness } from "./testing/fixtures/harness.js";
import { issueToken, TOKENS_FILE } from "./tokens.js";

const POLICY = `${SUPPORT_POLICY}  - name: refund-needs-two
    condition: "tool.name == 'refund'"
    action: require_approval
    approvers: [alice, bob, carol]
    quorum: 2
`;

interface Approvers {
  alice: string;
  bob: string;
  mallory: string;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** A server with the refund policy and approver tokens (alice, bob: listed; mallory: approve scope, not listed). */
async function start(overrides: Parameters<typeof startHarness>[0] = {}): Promise<{ h: Harness; who: Approvers }> {
  let harness = await startHarness(overrides, POLICY);
  const file = join(harness.data, TOKENS_FILE);
  const who: Approvers = {
    alice: issueToken(file, { id: "alice", scopes: ["approve"] }),
    bob: issueToken(file, { id: "bob", scopes: ["approve"] }),
    mallory: issueToken(file, { id: "mallory", scopes: ["approve"] }),
  };
  await harness.server.close();
  harness = await harness.restart();
  h = harness;
  return { h: harness, who };
}

/** Decides a refund over HTTP and asks for its approval; returns the approval and what binds it. */
async function askRefund(harness: Harness, args: Record<string, unknown> = { amount: 600 }, extra: Record<string, unknown> = {}): Promise<{ approval: Record<string, unknown>; digest: string; req: DecisionRequest }> {
  const req = request("support-1", "refund", args) as unknown as DecisionRequest;
  const decided = await call(harness.base, "/v1/decide", { token: harness.tokens.decide, body: req });
  expect(decided.body).toMatchObject({ action: "require_approval", matched_rule: "refund-needs-two", quorum: 2, approvers: ["alice", "bob", "carol"] });
  const digest = actionDigestOf(req, String(decided.body.policy_digest));
  const created = await call(harness.base, "/v1/approvals", { token: harness.tokens.decide, body: { request: req, decision: decided.body, actionDigest: digest, ...extra } });
  expect(created.status).toBe(201);
  return { approval: created.body, digest, req };
}

const vote = (harness: Harness, id: unknown, token: string, verdict: "approve" | "deny", note?: string) =>
  call(harness.base, `/v1/approvals/${String(id)}/${verdict}`, note === undefined ? { token, method: "POST" } : { token, body: { note } });
const consume = (harness: Harness, id: unknown, digest: string) =>
  call(harness.base, `/v1/approvals/${String(id)}/consume`, { token: harness.tokens.decide, body: { actionDigest: digest } });

describe("approvals over HTTP", () => {
  it("need quorum distinct approvers; a repeated vote does not count; single use; all audited", async () => {
    const { h, who } = await start();
    const { approval, digest } = await askRefund(h);
    expect(approval).toMatchObject({ status: "pending", agent: "support-1", tool: "refund", actionDigest: digest, policy: "support", rule: "refund-needs-two", quorum: 2, approvers: ["alice", "bob", "carol"], votes: [], args: { amount: 600 } });
    expect(String(approval.id)).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    expect((await vote(h, approval.id, who.alice, "approve", "ok by me")).body).toMatchObject({ status: "pending", votes: [{ approver: "alice", verdict: "approve", note: "ok by me" }] });
    const again = await vote(h, approval.id, who.alice, "approve");
    expect(again).toMatchObject({ status: 409, body: { code: "approval_already_voted" } });
    expect((await call(h.base, `/v1/approvals/${String(approval.id)}`, { token: h.tokens.decide })).body.status).toBe("pending");
    const pendingList = await call(h.base, "/v1/approvals?status=pending", { token: who.bob });
    expect((pendingList.body.approvals as { id: string }[]).map((a) => a.id)).toEqual([approval.id]);
    const metrics = await (await fetch(`${h.base}/metrics`, { headers: { authorization: `Bearer ${h.tokens.audit}` } })).text();
    expect(metrics).toContain("agentgov_approvals_pending 1");

    expect((await vote(h, approval.id, who.bob, "approve")).body).toMatchObject({ status: "approved" });
    const used = await consume(h, approval.id, digest);
    expect(used).toMatchObject({ status: 200, body: { status: "consumed", id: approval.id } });
    expect(await consume(h, approval.id, digest)).toMatchObject({ status: 409, body: { code: "approval_consumed" } });
    expect(await vote(h, approval.id, h.tokens.admin, "approve")).toMatchObject({ status: 409, body: { code: "approval_not_pending" } });

    const history = await call(h.base, `/v1/audit?call_id=${String(approval.id)}`, { token: h.tokens.audit });
    const records = history.body.records as { action: string; tool: string; ext: { approval: { status: string; by?: string } } }[];
    expect(records.map((r) => [r.tool, r.action, r.ext.approval.status, r.ext.approval.by])).toEqual([
      ["agentgov.approval", "create", "pending", undefined],
      ["agentgov.approval", "vote", "pending", "alice"],
      ["agentgov.approval", "vote", "approved", "bob"],
      ["agentgov.approval", "consume", "consumed", undefined],
    ]);
    expect((await call(h.base, "/v1/audit/verify", { token: h.tokens.audit })).body).toMatchObject({ ok: true });
  });

  it("are denied by any deny vote, and a denied approval cannot be consumed", async () => {
    const { h, who } = await start();
    const { approval, digest } = await askRefund(h);
    await vote(h, approval.id, who.alice, "approve");
    expect((await vote(h, approval.id, who.bob, "deny", "too large")).body).toMatchObject({ status: "denied" });
    expect(await consume(h, approval.id, digest)).toMatchObject({ status: 409, body: { code: "approval_not_approved" } });
  });

  it("are bound to the exact action: a changed argument cannot use the approval, nor claim its digest", async () => {
    const { h, who } = await start();
    const { approval, digest, req } = await askRefund(h, { amount: 600 });
    await vote(h, approval.id, who.alice, "approve");
    await vote(h, approval.id, who.bob, "approve");
    const changed = { ...req, context: { ...req.context, args: { amount: 6000 } } };
    const otherDigest = actionDigestOf(changed, h.server.kernel.digest);
    expect(otherDigest).not.toBe(digest);
    expect(await consume(h, approval.id, otherDigest)).toMatchObject({ status: 409, body: { code: "approval_digest_mismatch" } });
    // Asking for an approval of the changed action with the approved action's digest is refused.
    const decided = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: changed });
    const forged = await call(h.base, "/v1/approvals", { token: h.tokens.decide, body: { request: changed, decision: decided.body, actionDigest: digest } });
    expect(forged).toMatchObject({ status: 400, body: { code: "approval_digest_mismatch" } });
    // The approval still releases its own action, once.
    expect((await consume(h, approval.id, digest)).status).toBe(200);
  });

  it("expire by the clock: a pending one is denied, an approved one unused is no longer usable", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const { h, who } = await start({ clock: () => now });
    const { approval, digest } = await askRefund(h, { amount: 600 }, { expiresInMs: 1000 });
    expect(Date.parse(String(approval.expiresAt)) - Date.parse(String(approval.createdAt))).toBe(1000);
    const second = await askRefund(h, { amount: 700 }, { expiresInMs: 10 * 3_600_000 });
    expect(Date.parse(String(second.approval.expiresAt)) - Date.parse(String(second.approval.createdAt))).toBe(300_000);
    await vote(h, second.approval.id, who.alice, "approve");
    await vote(h, second.approval.id, who.bob, "approve");

    now += 1000;
    expect((await call(h.base, `/v1/approvals/${String(approval.id)}`, { token: who.alice })).body.status).toBe("expired");
    expect(await vote(h, approval.id, who.alice, "approve")).toMatchObject({ status: 409, body: { code: "approval_not_pending" } });
    expect(await consume(h, approval.id, digest)).toMatchObject({ status: 409, body: { code: "approval_expired" } });

    now += 300_000;
    expect(await consume(h, second.approval.id, second.digest)).toMatchObject({ status: 409, body: { code: "approval_expired" } });
    const expiries = await call(h.base, `/v1/audit?tool=agentgov.approval&code=approval_timeout`, { token: h.tokens.audit });
    expect((expiries.body.records as { call_id: string }[]).map((r) => r.call_id)).toEqual([approval.id, second.approval.id]);
  });

  it("answer a long-poll as soon as the vote that decides them is cast", async () => {
    const { h, who } = await start();
    const { approval } = await askRefund(h);
    const polled = call(h.base, `/v1/approvals/${String(approval.id)}?waitMs=30000`, { token: h.tokens.decide });
    await vote(h, approval.id, who.alice, "approve");
    await vote(h, approval.id, who.bob, "approve");
    expect((await polled).body).toMatchObject({ status: "approved", votes: [{ approver: "alice" }, { approver: "bob" }] });
  });

  it("check scopes and approvers, and answer 404 for an unknown id", async () => {
    const { h, who } = await start();
    const { approval, digest } = await askRefund(h);
    expect(await vote(h, approval.id, h.tokens.decide, "approve")).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    expect(await vote(h, approval.id, who.mallory, "approve")).toMatchObject({ status: 403, body: { code: "approval_not_allowed" } });
    expect(await call(h.base, "/v1/approvals", { token: who.alice, body: {} })).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    expect((await call(h.base, "/v1/approvals?status=pending", { token: h.tokens.decide })).status).toBe(403);
    expect((await call(h.base, "/v1/approvals?status=pending", { token: h.tokens.audit })).status).toBe(200);
    expect((await call(h.base, `/v1/approvals/${String(approval.id)}/consume`, { token: who.alice, body: { actionDigest: digest } })).status).toBe(403);
    expect((await call(h.base, "/v1/approvals?status=pending")).status).toBe(401);
    for (const path of ["/v1/approvals/nope", "/v1/approvals/nope/approve", "/v1/approvals/nope/consume"]) {
      const res = path.endsWith("consume") ? await call(h.base, path, { token: h.tokens.decide, body: { actionDigest: digest } }) : path.endsWith("approve") ? await vote(h, "nope", who.alice, "approve") : await call(h.base, path, { token: who.alice });
      expect(res, path).toMatchObject({ status: 404, body: { code: "approval_not_found" } });
    }
    expect((await call(h.base, "/v1/approvals?status=bogus", { token: who.alice })).status).toBe(400);
  });

  it("refuse malformed requests for an approval without creating one", async () => {
    const { h } = await start();
    const req = request("support-1", "refund", { amount: 5 }) as unknown as DecisionRequest;
    const decision = h.server.kernel.decide(req);
    const digest = actionDigestOf(req, decision.policy_digest);
    const allowed = h.server.kernel.decide(request("support-1", "search") as unknown as DecisionRequest);
    const bodies: unknown[] = [
      { request: req, decision, actionDigest: "abc" },
      { request: req, decision: allowed, actionDigest: actionDigestOf(request("support-1", "search") as unknown as DecisionRequest, allowed.policy_digest) },
      { request: req, decision: { ...decision, policy: { not: "a name" } }, actionDigest: digest },
      { request: req, decision, actionDigest: digest, quorum: 0 },
      { request: req, decision, actionDigest: digest, approvers: "alice" },
      { request: req, decision, actionDigest: digest, expiresInMs: -1 },
      [req],
    ];
    for (const body of bodies) {
      const res = await call(h.base, "/v1/approvals", { token: h.tokens.decide, body });
      expect(res, JSON.stringify(body).slice(0, 80)).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    }
    expect(h.server.approvals.list()).toEqual([]);
  });

  it("refuse more than the bound of pending approvals", async () => {
    const { h } = await start({ approvals: { maxPending: 2 } });
    await askRefund(h, { amount: 1 });
    await askRefund(h, { amount: 2 });
    const req = request("support-1", "refund", { amount: 3 }) as unknown as DecisionRequest;
    const decided = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: req });
    const third = await call(h.base, "/v1/approvals", { token: h.tokens.decide, body: { request: req, decision: decided.body, actionDigest: actionDigestOf(req, h.server.kernel.digest) } });
    expect(third).toMatchObject({ status: 503, body: { code: "approval_capacity" } });
  });

  it("refuse to create or change an approval the audit cannot record (fail closed)", async () => {
    const sink = refusingAudit("disk full");
    const store = stubAuditStore(sink, "refusing");
    const { h } = await start({ audit: store });
    const req = request("support-1", "refund", { amount: 600 }) as unknown as DecisionRequest;
    const decision = h.server.kernel.decide(req);
    const res = await call(h.base, "/v1/approvals", { token: h.tokens.decide, body: { request: req, decision, actionDigest: actionDigestOf(req, decision.policy_digest) } });
    expect(res).toMatchObject({ status: 503, body: { code: "AUDIT_UNAVAILABLE" } });
    expect(h.server.approvals.pendingCount()).toBe(0);
  });
});

describe("the server's kernel waits for the humans through the same store", () => {
  it("enforce runs the tool once the quorum approves over HTTP", async () => {
    const { h, who } = await start();
    const req = request("support-1", "refund", { amount: 900 }) as unknown as DecisionRequest;
    let ran = 0;
    const enforced = h.server.kernel.enforce(req, () => ++ran);
    let id = "";
    await waitFor(async () => {
      const list = await call(h.base, "/v1/approvals?status=pending", { token: who.alice });
      id = (list.body.approvals as { id: string }[])[0]?.id ?? "";
      return id !== "";
    }, "the kernel's pending approval");
    await vote(h, id, who.alice, "approve");
    await vote(h, id, who.bob, "approve", "fine");
    expect(await enforced).toBe(1);
    expect((await call(h.base, `/v1/approvals/${id}`, { token: who.alice })).body.status).toBe("consumed");
    const page = await call(h.base, "/v1/audit?tool=refund", { token: h.tokens.audit });
    expect(page.body.records).toMatchObject([{ kind: "decision", decision: { action: "require_approval" }, outcome: { status: "pending" } }, { kind: "outcome", outcome: { status: "ok" } }]);
  });

  it("enforce is denied when an approver denies", async () => {
    const { h, who } = await start();
    const enforced = h.server.kernel.enforce(request("support-1", "refund", { amount: 900 }) as unknown as DecisionRequest, () => "ran").then(
      () => undefined,
      (error: unknown) => error,
    );
    let id = "";
    await waitFor(async () => {
      id = h.server.approvals.list("pending")[0]?.id ?? "";
      return Promise.resolve(id !== "");
    }, "the kernel's pending approval");
    await vote(h, id, who.bob, "deny", "no");
    const error = await enforced;
    expect(error).toBeInstanceOf(GovernanceDenied);
    expect((error as GovernanceDenied).decision.code).toBe("approval_denied");
  });

  it("an approval the kernel stopped waiting for (its timeout) is withdrawn (expired), and the call denied", async () => {
    const records: ApprovalEvent[] = [];
    const store = createApprovalStore({ record: (e) => records.push(e) });
    const kernel = createKernel({ policies: [POLICY], approvals: storeApprovalHandler(store), approvalTimeoutMs: 20 });
    const error: unknown = await kernel.enforce(request("support-1", "refund", { amount: 1 }) as unknown as DecisionRequest, () => "ran").catch((e: unknown) => e);
    expect((error as GovernanceDenied).decision.code).toBe("approval_timeout");
    expect(store.list().map((a) => a.status)).toEqual(["expired"]);
    expect(records.map((r) => r.event)).toEqual(["create", "withdraw"]);
    store.close();
  });
});

describe("actionDigestOf", () => {
  it("is the digest the kernel hands its approval handler", async () => {
    const seen: string[] = [];
    const kernel = createKernel({
      policies: [POLICY],
      approvals: (r) => {
        seen.push(r.actionDigest);
        return Promise.resolve({ approved: false });
      },
    });
    const req = request("support-1", "refund", { amount: 5, nested: { b: 1, a: [1, "x"] } }) as unknown as DecisionRequest;
    await expect(kernel.enforce(req, () => 1)).rejects.toBeInstanceOf(GovernanceDenied);
    expect(seen).toEqual([actionDigestOf(req, kernel.digest)]);
    const agentObject = { ...req, agent: { id: "support-1", role: "x" } };
    expect(actionDigestOf(agentObject, kernel.digest)).toBe(seen[0]);
  });
});
