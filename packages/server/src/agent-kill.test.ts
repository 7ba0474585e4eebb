/**
 * A per-agent kill holds on every decision path of the server's kernel: `/v1/decide`, and
 * `server.kernel.decide` / `server.kernel.enforce` in-process (the server's own approvals
 * waiter, a library user sharing the process), and after a restart.
 */
import type { DecisionRequest } from "@agentgov/core";
import { denial } from "@agentgov/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, request, startHarness, type Harness } from "./testing/fixtures/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const search = (agent: string): DecisionRequest => request(agent, "search") as unknown as DecisionRequest;


describe("a per-agent kill through the API", () => {
  it("denies kill_switch in the server's own kernel (decide and enforce); other agents are unaffected; release lifts it", async () => {
    expect((await call(h.base, "/v1/agents/agent-x/kill", { token: h.tokens.admin, body: { reason: "runaway" } })).status).toBe(200);
    let ran = 0;
    const denied = await denial(h.server.kernel.enforce(search("agent-x"), () => ++ran));
    expect(denied.decision).toMatchObject({ allowed: false, action: "deny", code: "kill_switch", reason: expect.stringContaining("runaway") as unknown });
    expect(ran).toBe(0);
    expect(h.server.kernel.decide(search("agent-x"))).toMatchObject({ action: "deny", code: "kill_switch" });
    await expect(h.server.kernel.enforce(search("agent-y"), () => "ran")).resolves.toBe("ran");
    // The in-process denial is audited like any other.
    const page = await call(h.base, "/v1/audit?agent=agent-x&code=kill_switch", { token: h.tokens.audit });
    expect((page.body.records as { outcome: { status: string } }[]).map((r) => r.outcome.status)).toEqual(["denied"]);

    expect((await call(h.base, "/v1/agents/agent-x/release", { token: h.tokens.admin, method: "POST" })).status).toBe(200);
    await expect(h.server.kernel.enforce(search("agent-x"), () => "ran again")).resolves.toBe("ran again");
  });

  it("holds after a restart (restored into the kernel's kill switch), and quarantining instead replaces it", async () => {
    await call(h.base, "/v1/agents/agent-x/kill", { token: h.tokens.admin, method: "POST" });
    await h.server.close();
    h = await h.restart();
    expect(h.server.kernel.decide(search("agent-x"))).toMatchObject({ code: "kill_switch" });
    expect(h.server.kernel.decide(search("agent-y"))).toMatchObject({ action: "allow" });
    await call(h.base, "/v1/agents/agent-x/quarantine", { token: h.tokens.admin, method: "POST" });
    expect(h.server.kernel.decide(search("agent-x"))).toMatchObject({ code: "quarantined" });
  });
});
