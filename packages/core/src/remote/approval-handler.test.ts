import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKernel } from "../kernel/create-kernel.js";
import type { PolicyDocument } from "../policy/document.js";
import type { DecisionRequest } from "../policy/types.js";
import { denial } from "../testing/index.js";
import { remoteApprovalHandler } from "./approval-handler.js";

const TOKEN = "agt_approvals";

interface Approval {
  id: string;
  status: "pending" | "approved" | "denied" | "expired" | "consumed";
  actionDigest: string;
  quorum: number;
  approvers: string[];
  votes: { approver: string; verdict: "approve" | "deny"; note?: string; at: string }[];
  request: unknown;
}

/** A small server following the approvals contract (helper-briefs/approvals-contract.md). */
class ApprovalsServer {
  readonly approvals = new Map<string, Approval>();
  readonly requests: string[] = [];
  /** Long polls whose client went away before the answer. */
  abandoned = 0;
  private readonly waiters = new Set<() => void>();
  private readonly server: Server = createServer((req, res) => {
    void this.handle(req, res);
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => { resolve(); }));
  }

  /** Waits until an approval was created, and returns it. */
  async created(): Promise<Approval> {
    for (;;) {
      const first = [...this.approvals.values()][0];
      if (first !== undefined) return first;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  vote(id: string, approver: string, verdict: "approve" | "deny", note?: string): void {
    const a = this.approvals.get(id);
    if (a?.status !== "pending") throw new Error("not pending");
    a.votes.push({ approver, verdict, at: new Date().toISOString(), ...(note === undefined ? {} : { note }) });
    if (verdict === "deny") a.status = "denied";
    else if (new Set(a.votes.filter((v) => v.verdict === "approve").map((v) => v.approver)).size >= a.quorum) a.status = "approved";
    this.wake();
  }

  expire(id: string): void {
    const a = this.approvals.get(id);
    if (a !== undefined) a.status = "expired";
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body = (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
    const send = (status: number, value: unknown): void => {
      const out = JSON.stringify(value);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(out) }).end(out);
    };
    this.requests.push(`${req.method ?? ""} ${req.url ?? ""}`);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) { send(401, { code: "UNAUTHENTICATED", message: "token" }); return; }
    const url = new URL(req.url ?? "/", "http://x");
    const [, , , id, verb] = url.pathname.split("/");
    if (req.method === "POST" && url.pathname === "/v1/approvals") {
      const approval: Approval = {
        id: randomBytes(9).toString("base64url"),
        status: "pending",
        actionDigest: body.actionDigest as string,
        quorum: body.quorum as number,
        approvers: body.approvers as string[],
        votes: [],
        request: body.request,
      };
      this.approvals.set(approval.id, approval);
      send(201, approval); return;
    }
    const approval = id === undefined ? undefined : this.approvals.get(id);
    if (approval === undefined) { send(404, { code: "approval_not_found", message: "no approval" }); return; }
    if (req.method === "GET" && verb === undefined) {
      const waitMs = Math.min(Number(url.searchParams.get("waitMs") ?? "0"), 30_000);
      if (approval.status === "pending" && waitMs > 0) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            this.waiters.delete(done);
            res.off("close", gone);
            resolve();
          };
          const gone = (): void => {
            this.abandoned++;
            done();
          };
          const timer = setTimeout(done, waitMs);
          this.waiters.add(done);
          res.once("close", gone);
        });
      }
      if (!res.destroyed) send(200, approval);
      return;
    }
    if (req.method === "POST" && verb === "consume") {
      if (approval.status === "consumed") { send(409, { code: "approval_consumed", message: "used" }); return; }
      if (approval.status !== "approved") { send(409, { code: "approval_not_approved", message: "not approved" }); return; }
      if (body.actionDigest !== approval.actionDigest) { send(409, { code: "approval_digest_mismatch", message: "another action" }); return; }
      approval.status = "consumed";
      send(200, approval); return;
    }
    send(404, { code: "NOT_FOUND", message: "no route" });
  }
}

const policy: PolicyDocument = {
  apiVersion: "agentgov/v1",
  name: "approvals",
  default_action: "allow",
  rules: [{ name: "refunds", condition: "tool.name == 'refund'", action: "require_approval", approvers: ["ann", "bob"], quorum: 2 }],
};
const refund = (amount: number): DecisionRequest => ({ agent: "bot", context: { tool: { name: "refund" }, args: { amount }, action: { type: "refund" } } });

let server: ApprovalsServer;

beforeEach(async () => {
  server = new ApprovalsServer();
  await server.start();
});

afterEach(async () => {
  await server.stop();
});

function kernel(options: { timeoutMs?: number; token?: string; endpoint?: string } = {}) {
  return createKernel({
    policies: [policy],
    approvals: remoteApprovalHandler({ endpoint: options.endpoint ?? server.endpoint, token: options.token ?? TOKEN }),
    approvalTimeoutMs: options.timeoutMs ?? 10_000,
  });
}


describe("remoteApprovalHandler", () => {
  it("creates the approval for the exact action, long-polls, consumes it once approved by the quorum, and the tool runs", async () => {
    const k = kernel();
    const ran: unknown[] = [];
    const result = k.enforce(refund(30), (args) => (ran.push(args), "refunded"));
    const approval = await server.created();
    expect(approval).toMatchObject({ status: "pending", quorum: 2, approvers: ["ann", "bob"], request: refund(30) });
    expect(approval.actionDigest).toMatch(/^[0-9a-f]{64}$/);
    server.vote(approval.id, "ann", "approve");
    server.vote(approval.id, "bob", "approve", "ok by me");
    await expect(result).resolves.toBe("refunded");
    expect(ran).toEqual([{ amount: 30 }]);
    expect(approval.status).toBe("consumed");
    expect(server.requests.filter((r) => r.startsWith("GET")).every((r) => r.includes("waitMs=25000"))).toBe(true);
  });

  it("a deny vote denies (approval_denied) with the approver and the note; the tool never runs", async () => {
    const k = kernel();
    const ran: unknown[] = [];
    const result = denial(k.enforce(refund(30), (args) => ran.push(args)));
    const approval = await server.created();
    server.vote(approval.id, "ann", "deny", "too much");
    const e = await result;
    expect(e.decision).toMatchObject({ code: "approval_denied", reason: expect.stringContaining("denied by ann: too much") as unknown });
    expect(ran).toEqual([]);
  });

  it("an expired approval denies", async () => {
    const k = kernel();
    const result = denial(k.enforce(refund(30), () => "ran"));
    server.expire((await server.created()).id);
    expect((await result).decision.code).toBe("approval_denied");
  });

  it("a consume the server refuses (another action) is an approval_error deny", async () => {
    const k = kernel();
    const result = denial(k.enforce(refund(30), () => "ran"));
    const approval = await server.created();
    approval.actionDigest = "0".repeat(64);
    server.vote(approval.id, "ann", "approve");
    server.vote(approval.id, "bob", "approve");
    const e = await result;
    expect(e.decision).toMatchObject({ code: "approval_error", reason: expect.stringContaining("approval_digest_mismatch") as unknown });
  });

  it("the kernel's approval timeout aborts the long poll (approval_timeout)", async () => {
    const k = kernel({ timeoutMs: 200 });
    const e = await denial(k.enforce(refund(30), () => "ran"));
    expect(e.decision.code).toBe("approval_timeout");
    for (let i = 0; i < 100 && server.abandoned === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.abandoned).toBe(1);
  });

  it("an unreachable server or a refused token is an approval_error deny", async () => {
    const wrong = await denial(kernel({ token: "agt_wrong" }).enforce(refund(1), () => "ran"));
    expect(wrong.decision).toMatchObject({ code: "approval_error", reason: expect.stringContaining("HTTP 401") as unknown });
    const gone = await denial(kernel({ endpoint: "http://127.0.0.1:1" }).enforce(refund(1), () => "ran"));
    expect(gone.decision.code).toBe("approval_error");
  });
});
