/**
 * An approval names a call only if `/v1/decide` answered that call `require_approval` for
 * the same action: a forged or foreign `call_id` cannot release a call or record an outcome.
 * A real server on 127.0.0.1; the table itself is checked with an injected clock.
 */
import { join } from "node:path";
import { memoryAudit, type DecisionRequest } from "@agentgov/core";
import { refusingAudit } from "@agentgov/core/testing";
import { stubAuditStore } from "./testing/fixtures/stub-audit-store.js";
import { afterEach, describe, expect, it } from "vitest";
import { actionDigestOf } from "./action-digest.js";
import { createPendingCalls } from "./pending-calls.js";
import { call, request, startHarness, SUPPORT_POLICY, type Harness } from "./testing/fixtures/harness.js";
import { issueToken, TOKENS_FILE } from "./tokens.js";
import type { GovernanceServerOptions } from "./server.js";

const POLICY = `${SUPPORT_POLICY}  - name: refund-needs-one
    condition: "tool.name == 'refund'"
    action: require_approval
`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function start(overrides: Partial<GovernanceServerOptions> = {}): Promise<{ h: Harness; alice: string }> {
  let harness = await startHarness(overrides, POLICY);
  const alice = issueToken(join(harness.data, TOKENS_FILE), { id: "alice", scopes: ["approve"] });
  await harness.server.close();
  harness = await harness.restart();
  h = harness;
  return { h: harness, alice };
}

const refund = (amount: number): DecisionRequest => request("support-1", "refund", { amount }) as unknown as DecisionRequest;

interface Decided {
  req: DecisionRequest;
  decision: Record<string, unknown>;
  callId: string;
  digest: string;
}

async function decide(harness: Harness, req: DecisionRequest, query = ""): Promise<Decided> {
  const answer = await call(harness.base, `/v1/decide${query}`, { token: harness.tokens.decide, body: req });
  return { req, decision: answer.body, callId: String(answer.body.call_id), digest: actionDigestOf(req, String(answer.body.policy_digest)) };
}

/** Creates (with `callId` when given) and approves an approval for `d`'s action; returns its id. */
async function approved(harness: Harness, alice: string, d: Decided, callId?: string): Promise<string> {
  const body: Record<string, unknown> = { request: d.req, decision: d.decision, actionDigest: d.digest };
  if (callId !== undefined) body.call_id = callId;
  const created = await call(harness.base, "/v1/approvals", { token: harness.tokens.decide, body });
  expect(created.status).toBe(201);
  const id = String(created.body.id);
  expect((await call(harness.base, `/v1/approvals/${id}/approve`, { token: alice, method: "POST" })).body.status).toBe("approved");
  return id;
}

const consume = (harness: Harness, id: string, d: Decided, callId?: string): ReturnType<typeof call> =>
  call(harness.base, `/v1/approvals/${id}/consume`, { token: harness.tokens.decide, body: callId === undefined ? { actionDigest: d.digest } : { actionDigest: d.digest, call_id: callId } });

const outcome = (harness: Harness, callId: string): ReturnType<typeof call> =>
  call(harness.base, "/v1/outcome", { token: harness.tokens.decide, body: { call_id: callId, status: "ok" } });

/** Creates an approval for the action `/v1/decide` was asked about in `d`, naming its call (the decision as the policy gives it). */
const createFor = (harness: Harness, d: Decided): ReturnType<typeof call> =>
  call(harness.base, "/v1/approvals", { token: harness.tokens.decide, body: { request: d.req, decision: harness.server.kernel.decide(d.req, { dryRun: true }), actionDigest: d.digest, call_id: d.callId } });

const MISMATCH = { status: 409, body: { code: "approval_call_mismatch" } };

describe("a call id bound to the action /v1/decide answered", () => {
  it("a forged call id of another action cannot release that call or record its outcome", async () => {
    const { h, alice } = await start();
    const small = await decide(h, refund(10)); // the call a human would approve
    const big = await decide(h, refund(9_999)); // the call an attacker wants to run under small's id
    expect([small.decision.action, big.decision.action]).toEqual(["require_approval", "require_approval"]);

    // Naming small's call on an approval for the big refund: refused at creation…
    const forged = await call(h.base, "/v1/approvals", { token: h.tokens.decide, body: { request: big.req, decision: big.decision, actionDigest: big.digest, call_id: small.callId } });
    expect(forged).toMatchObject(MISMATCH);
    // …and at consume, even once a human approved the big refund.
    const id = await approved(h, alice, big);
    expect(await consume(h, id, big, small.callId)).toMatchObject(MISMATCH);
    expect(await outcome(h, small.callId)).toMatchObject({ status: 404, body: { code: "UNKNOWN_CALL" } });
    // Nothing was released: the approval is still unused, small's call has only its decision record.
    expect(h.server.approvals.get(id)?.status).toBe("approved");
    const history = await call(h.base, `/v1/audit?call_id=${small.callId}`, { token: h.tokens.audit });
    expect((history.body.records as { kind: string; outcome?: { status: string } }[]).map((r) => [r.kind, r.outcome?.status])).toEqual([["decision", "pending_approval"]]);
    // The big refund's own call is what this approval releases.
    expect(await consume(h, id, big, big.callId)).toMatchObject({ status: 200, body: { status: "consumed", callId: big.callId } });
    expect(await outcome(h, big.callId)).toMatchObject({ status: 200, body: { kind: "outcome", call_id: big.callId, tool: "refund" } });
  });

  it("refuses a call id /v1/decide never answered, one it answered allow, and a dry run's", async () => {
    const { h, alice } = await start();
    const d = await decide(h, refund(20));
    const invented = await call(h.base, "/v1/approvals", { token: h.tokens.decide, body: { request: d.req, decision: d.decision, actionDigest: d.digest, call_id: "made-up-call" } });
    expect(invented).toMatchObject(MISMATCH);

    const id = await approved(h, alice, d);
    const allowed = await decide(h, request("support-1", "search") as unknown as DecisionRequest);
    expect(allowed.decision.action).toBe("allow");
    expect((await outcome(h, allowed.callId)).status).toBe(200); // no longer running
    expect(await consume(h, id, d, allowed.callId)).toMatchObject(MISMATCH);
    expect(await consume(h, id, d, "made-up-call")).toMatchObject(MISMATCH);
    const dry = await decide(h, refund(20), "?dryRun=true");
    expect(dry.decision.action).toBe("require_approval");
    expect(await consume(h, id, d, dry.callId)).toMatchObject(MISMATCH);
    expect(await consume(h, id, d, "has space")).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    expect(await consume(h, id, d, d.callId)).toMatchObject({ status: 200, body: { status: "consumed" } });
  });

  it("releases a call once: a second approval of the same action cannot release it again", async () => {
    const { h, alice } = await start();
    const d = await decide(h, refund(30));
    const first = await approved(h, alice, d, d.callId);
    const second = await approved(h, alice, d, d.callId);
    expect((await consume(h, first, d)).body).toMatchObject({ status: "consumed", callId: d.callId });
    expect((await outcome(h, d.callId)).status).toBe(200);
    expect(await consume(h, second, d)).toMatchObject(MISMATCH);
    expect(await outcome(h, d.callId)).toMatchObject({ status: 404, body: { code: "UNKNOWN_CALL" } });
  });

  it("the latest decision under a client call id wins: decided again as allow, it is no longer awaiting approval", async () => {
    const { h, alice } = await start();
    const d = await decide(h, { ...refund(40), call_id: "tool-call-7" } as DecisionRequest);
    expect(d.callId).toBe("tool-call-7");
    const id = await approved(h, alice, d, "tool-call-7");
    const again = await decide(h, { ...request("support-1", "search"), call_id: "tool-call-7" } as unknown as DecisionRequest);
    expect(again.decision.action).toBe("allow");
    expect((await outcome(h, "tool-call-7")).status).toBe(200);
    expect(await consume(h, id, d)).toMatchObject(MISMATCH);
  });

  it("an unrecorded require_approval answer (the log refuses the record) is not remembered", async () => {
    const store = stubAuditStore(refusingAudit("disk full"), "refusing");
    const { h } = await start({ audit: store });
    const d = await decide(h, refund(50));
    expect(d.decision).toMatchObject({ action: "deny", code: "audit_unavailable" });
    expect(await createFor(h, d)).toMatchObject(MISMATCH);
  });

  it("an answer whose commit fails (deny audit_unavailable) is forgotten too", async () => {
    const sink = memoryAudit();
    const store = stubAuditStore(sink, "memory", () => Promise.reject(new Error("fsync failed")));
    const { h } = await start({ audit: store });
    const d = await decide(h, refund(60));
    expect(d.decision).toMatchObject({ action: "deny", code: "audit_unavailable" });
    expect(String(d.decision.reason)).toContain("fsync failed");
    expect(sink.records().some((r) => r.call_id === d.callId)).toBe(true); // appended, then the commit failed
    expect(await createFor(h, d)).toMatchObject(MISMATCH);
  });
});

describe("the table of calls awaiting approval", () => {
  it("is bounded: the oldest is forgotten first; setting a call again makes it the newest", () => {
    const table = createPendingCalls({ maxApprovalCalls: 2 }).awaitingApproval;
    table.remember("a", "d-a");
    table.remember("b", "d-b");
    table.remember("a", "d-a2");
    table.remember("c", "d-c");
    expect([table.digestOf("a"), table.digestOf("b"), table.digestOf("c")]).toEqual(["d-a2", undefined, "d-c"]);
    expect(table.count()).toBe(2);
  });

  it("forgets a call after its time (injected clock), and on forget", () => {
    let now = 0;
    const table = createPendingCalls({ approvalCallTtlMs: 1000, clock: () => now }).awaitingApproval;
    table.remember("a", "d-a");
    table.remember("b", "d-b");
    now = 999;
    expect(table.digestOf("a")).toBe("d-a");
    table.forget("b");
    expect(table.digestOf("b")).toBeUndefined();
    now = 1000;
    expect(table.digestOf("a")).toBeUndefined();
    expect(table.count()).toBe(0);
  });
});
