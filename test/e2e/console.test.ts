/**
 * The web console end to end, in real headless Chromium: a tool call waits for approval
 * in the server's kernel; a human approves (or denies) it in the console; the call
 * completes (or is denied) and the audit log shows it. And the kill button holds an agent.
 */
import { GovernanceDenied, remoteKernel } from "@agentgov/core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureConsoleBuilt, launchChromium, openConsole, settle, startConsoleServer, toolCall, watchPage, type ConsoleServer, type PageProblems } from "./console-fixture.js";

let browser: Browser;
let s: ConsoleServer;
let context: BrowserContext;
let page: Page;
let problems: PageProblems;

beforeAll(async () => {
  ensureConsoleBuilt();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser.close();
});
beforeEach(async () => {
  s = await startConsoleServer();
  context = await browser.newContext();
  page = await context.newPage();
  problems = watchPage(page, s.base);
});
afterEach(async () => {
  await context.close();
  await s.close();
});

interface Rec { seq: number; kind: string; tool?: string; action?: string; call_id?: string; decision: { allowed: boolean; action: string; code: string; reason?: string }; outcome?: { status: string } }

async function auditOf(query: string): Promise<Rec[]> {
  const res = await fetch(`${s.base}/v1/audit?${query}`, { headers: { authorization: `Bearer ${s.tokens.admin}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { records: Rec[] }).records;
}

/** A search decided over HTTP, as a sidecar client would ask. */
async function decide(agent: string): Promise<{ allowed: boolean; code: string }> {
  const res = await fetch(`${s.base}/v1/decide`, { method: "POST", headers: { authorization: `Bearer ${s.tokens.runtime}`, "content-type": "application/json" }, body: JSON.stringify(toolCall(agent, "search", { q: "x" })) });
  expect(res.status).toBe(200);
  return (await res.json()) as { allowed: boolean; code: string };
}

const card = (p: Page) => p.locator("#approvals-list > li", { hasText: "refund by support-bot" });

describe("web console (Chromium)", () => {
  it("approves a pending action: the waiting tool call runs and returns, and the audit shows it", async () => {
    const ran: unknown[] = [];
    const waiting = settle(s.server.kernel.enforce(toolCall("support-bot", "refund", { order: "A-1", amount: 900 }), (args) => {
      ran.push(args);
      return "refunded A-1";
    }));

    await openConsole(page, s.base, s.tokens.alice);
    const pending = card(page);
    await pending.waitFor();
    await expect(pending.textContent()).resolves.toContain("refunds-need-approval");
    expect(ran).toEqual([]);

    await pending.getByLabel("Note (optional)").fill("customer verified");
    await pending.getByRole("button", { name: "Approve" }).click();

    const result = await waiting;
    expect(result).toEqual({ ok: true, value: "refunded A-1" });
    expect(ran).toEqual([{ order: "A-1", amount: 900 }]);
    await pending.waitFor({ state: "detached" });
    await page.getByRole("status").filter({ hasText: "Approved refund by support-bot" }).waitFor();

    // The feed shows the call and its outcome.
    await page.locator("#feed-list > li", { hasText: "refund" }).locator(".outcome-ok").waitFor();

    // The audit log: the vote (by alice, with the note), the released approval, the decision and the tool's outcome.
    const records = await auditOf("agent=support-bot");
    const approvalEvents = records.filter((r) => r.tool === "agentgov.approval").map((r) => r.action);
    expect(approvalEvents).toEqual(["create", "vote", "consume"]);
    expect(records.find((r) => r.action === "vote")?.decision.reason).toContain("alice voted approve: customer verified");
    const decision = records.find((r) => r.tool === "refund" && r.kind === "decision");
    expect(decision?.decision).toMatchObject({ action: "require_approval", code: "rule" });
    expect(decision?.decision.reason).toContain("alice");
    expect(records.find((r) => r.tool === "refund" && r.kind === "outcome")?.outcome?.status).toBe("ok");

    // The audit chain panel verifies the log.
    await page.getByRole("button", { name: "Verify now" }).click();
    await page.locator("#chain-state.ok").waitFor();
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
  }, 60_000);

  it("denies a pending action: the waiting call is denied with GovernanceDenied and never runs", async () => {
    await openConsole(page, s.base, s.tokens.alice);
    await page.getByText("No pending approvals.").waitFor();
    const ran: unknown[] = [];
    const waiting = settle(s.server.kernel.enforce(toolCall("support-bot", "refund", { order: "B-2", amount: 5000 }), (args) => {
      ran.push(args);
      return "refunded B-2";
    }));

    // An approval that arrives while the console is open is announced, and counted in the title.
    await page.getByRole("status").filter({ hasText: "New approval pending: refund by support-bot." }).waitFor();
    expect(await page.title()).toBe("(1) agentgov console");
    const pending = card(page);
    await pending.waitFor();
    // By keyboard only: type the note, Tab past Approve to Deny, press Enter.
    await pending.getByLabel("Note (optional)").fill("too large");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }).document.activeElement?.textContent)).toBe("Deny");
    await page.keyboard.press("Enter");

    const result = await waiting;
    expect(result.ok).toBe(false);
    const error = (result as { error: unknown }).error;
    expect(error).toBeInstanceOf(GovernanceDenied);
    expect((error as GovernanceDenied).decision).toMatchObject({ code: "approval_denied", allowed: false });
    expect((error as GovernanceDenied).decision.reason).toContain("too large");
    expect(ran).toEqual([]);
    await pending.waitFor({ state: "detached" });
    expect(await page.title()).toBe("agentgov console");

    const records = await auditOf("agent=support-bot");
    expect(records.filter((r) => r.tool === "agentgov.approval").map((r) => [r.action, r.decision.code])).toEqual([["create", "approval_required"], ["vote", "approval_denied"]]);
    expect(records.find((r) => r.tool === "refund")?.decision).toMatchObject({ allowed: false, code: "approval_denied" });
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
  }, 60_000);

  it("approves a call of a remote agent (remoteKernel against the sidecar): the call waits over HTTP and completes", async () => {
    const agent = remoteKernel({ endpoint: s.base, token: s.tokens.runtime, timeoutMs: 5_000, approvalTimeoutMs: 50_000 });
    try {
      const ran: unknown[] = [];
      const waiting = settle(agent.enforce(toolCall("support-bot", "refund", { order: "C-3", amount: 700 }), (args) => {
        ran.push(args);
        return "refunded C-3";
      }));
      await openConsole(page, s.base, s.tokens.alice);
      const pending = card(page);
      await pending.waitFor();
      expect(ran).toEqual([]);
      await pending.getByRole("button", { name: "Approve" }).click();
      expect(await waiting).toEqual({ ok: true, value: "refunded C-3" });
      expect(ran).toEqual([{ order: "C-3", amount: 700 }]);
      // The feed shows the released approval; the audit has its whole history.
      await page.locator("#feed-list > li", { hasText: "agentgov.approval (consume)" }).waitFor();
      const records = await auditOf("agent=support-bot");
      expect(records.filter((r) => r.tool === "agentgov.approval").map((r) => r.action)).toEqual(["create", "vote", "consume"]);
      expect(problems).toEqual({ errors: [], foreignRequests: [] });
    } finally {
      await agent.close();
    }
  }, 60_000);

  it("kills and releases an agent from the agents table", async () => {
    await s.server.kernel.enforce(toolCall("support-bot", "search", { q: "order A-1" }), () => "found");
    await openConsole(page, s.base, s.tokens.admin);
    const row = page.locator("#agents-body > tr", { has: page.getByRole("rowheader", { name: "support-bot", exact: true }) });
    await row.locator("td.state", { hasText: "active" }).waitFor();

    await row.getByRole("button", { name: "Kill" }).click();
    await row.locator("td.state", { hasText: "killed" }).waitFor();
    await page.getByRole("status").filter({ hasText: "support-bot: now killed" }).waitFor();
    expect(await decide("support-bot")).toMatchObject({ allowed: false, code: "kill_switch" });
    expect(await decide("other-bot")).toMatchObject({ allowed: true });
    expect(await row.getByRole("button", { name: "Kill" }).isDisabled()).toBe(true);

    await row.getByRole("button", { name: "Release" }).click();
    await row.locator("td.state", { hasText: "active" }).waitFor();
    expect(await decide("support-bot")).toMatchObject({ allowed: true });
    const controls = (await auditOf("tool=agentgov.control")).map((r) => r.action);
    expect(controls).toEqual(["kill", "release"]);
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
  }, 60_000);

  it("keeps the token out of the page's URL and asks again after a refused token", async () => {
    await page.goto(`${s.base}/`);
    await page.getByLabel("Bearer token").fill("agt_not-a-real-token");
    await page.getByLabel("Bearer token").press("Enter");
    await page.getByRole("alert").filter({ hasText: "refused the token" }).waitFor();
    await page.getByLabel("Bearer token").waitFor();
    expect(await page.getByRole("heading", { name: /Pending approvals/ }).isVisible()).toBe(false);
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length)).toBe(0);
    await openConsole(page, s.base, s.tokens.alice);
    expect(page.url()).toBe(`${s.base}/`);
    // Every form control has a label (keyboard and screen-reader users).
    const controls = page.locator("input, select, textarea");
    expect(await controls.count()).toBeGreaterThan(1);
    for (const control of await controls.all()) {
      const id = await control.getAttribute("id");
      expect(id).not.toBeNull();
      expect(await page.locator(`label[for="${String(id)}"]`).count(), String(id)).toBe(1);
    }
    expect(problems.foreignRequests).toEqual([]);
  }, 60_000);
});
