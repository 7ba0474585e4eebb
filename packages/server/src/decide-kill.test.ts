/**
 * `/v1/decide` takes a per-agent kill from the kernel (its kill switch holds every kill the
 * operator controls set): the answer is the kernel's own, for one request, a batch and a
 * dry run, and a kill set on the kernel's switch directly holds on `/v1/decide` as well.
 */
import type { AgentKillSwitch, DecisionRequest } from "@agentgov/core";
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
const decide = async (body: unknown, query = ""): Promise<Record<string, unknown>> => (await call(h.base, `/v1/decide${query}`, { token: h.tokens.decide, body })).body;
const withoutCallId = (answer: Record<string, unknown>): Record<string, unknown> => {
  const { call_id: _id, ...decision } = answer;
  return decision;
};

describe("a per-agent kill on /v1/decide", () => {
  it("answers the kernel's kill_switch decision (single, batch, dry run); other agents are unaffected; release lifts it", async () => {
    expect((await call(h.base, "/v1/agents/agent-x/kill", { token: h.tokens.admin, body: { reason: "runaway" } })).status).toBe(200);
    const kernelSays = h.server.kernel.decide(search("agent-x"));
    expect(kernelSays).toMatchObject({ allowed: false, action: "deny", code: "kill_switch", reason: "Agent 'agent-x' is killed: runaway", matched_rule: null, policy: null });
    expect(withoutCallId(await decide(search("agent-x")))).toEqual(kernelSays);
    expect(withoutCallId(await decide(search("agent-x"), "?dryRun=true"))).toEqual(kernelSays);
    const batch = (await decide({ requests: [search("agent-x"), search("agent-y")] })).decisions as Record<string, unknown>[];
    expect(batch.map((d) => [d.action, d.code])).toEqual([["deny", "kill_switch"], ["allow", "rule"]]);
    expect(withoutCallId(batch[0] ?? {})).toEqual(kernelSays);
    // The recorded decision is the same deny.
    const page = await call(h.base, "/v1/audit?agent=agent-x&code=kill_switch", { token: h.tokens.audit });
    expect((page.body.records as { decision: { reason: string } }[]).map((r) => r.decision.reason)).toEqual([kernelSays.reason, kernelSays.reason]);
    expect((await call(h.base, "/v1/agents/agent-x/release", { token: h.tokens.admin, method: "POST" })).status).toBe(200);
    expect(await decide(search("agent-x"))).toMatchObject({ action: "allow" });
  });

  it("a kill set on the kernel's kill switch holds on /v1/decide (the route has no check of its own)", async () => {
    const killSwitch = h.server.kernel.killSwitch as AgentKillSwitch; // the server builds its kernel with the per-agent switch
    killSwitch.killAgent("agent-z", "from the library");
    expect(await decide(search("agent-z"))).toMatchObject({ action: "deny", code: "kill_switch", reason: "Agent 'agent-z' is killed: from the library" });
    killSwitch.reviveAgent("agent-z");
    expect(await decide(search("agent-z"))).toMatchObject({ action: "allow" });
  });
});
