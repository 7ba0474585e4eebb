import { describe, expect, it } from "vitest";
import { createKernel } from "../kernel/create-kernel.js";
import type { DecisionRequest } from "../policy/types.js";
import { createKillSwitch, MAX_KILLED_AGENTS, type KillSwitch } from "./kill-switch.js";

const search = (agent: string): DecisionRequest => ({ agent, context: { tool: { name: "search" } } });
const policies = [{ apiVersion: "agentgov/v1" as const, name: "p", default_action: "allow" as const, rules: [] }];

describe("per-agent kill", () => {
  it("denies the killed agent kill_switch in decide and enforce; other agents are unaffected; revive lifts it", async () => {
    const killSwitch = createKillSwitch();
    const kernel = createKernel({ policies, killSwitch });
    killSwitch.killAgent("x", "runaway");
    expect(kernel.decide(search("x"))).toMatchObject({ allowed: false, code: "kill_switch", reason: "Agent 'x' is killed: runaway" });
    expect(kernel.decide({ agent: { id: "x" }, context: {} })).toMatchObject({ code: "kill_switch" });
    expect(kernel.decide(search("y")).allowed).toBe(true);
    let ran = 0;
    await expect(kernel.enforce(search("x"), () => ++ran)).rejects.toMatchObject({ decision: { code: "kill_switch" } });
    expect(ran).toBe(0);
    expect(killSwitch.killedAgents()).toEqual([["x", "runaway"]]);
    expect(killSwitch.reviveAgent("x")).toBe(true);
    expect(kernel.decide(search("x")).allowed).toBe(true);
    expect(killSwitch.engaged).toBe(false);
  });

  it("a kill switch without per-agent kills (another implementation) still works", () => {
    const plain: KillSwitch = { engaged: false, reason: "", engage: () => undefined, release: () => undefined };
    expect(createKernel({ policies, killSwitch: plain }).decide(search("x")).allowed).toBe(true);
  });

  it("is bounded", () => {
    const killSwitch = createKillSwitch();
    for (let i = 0; i < MAX_KILLED_AGENTS; i++) killSwitch.killAgent(`a${i}`, "r");
    expect(() => {
      killSwitch.killAgent("one-more", "r");
    }).toThrow(RangeError);
    killSwitch.killAgent("a0", "again");
    expect(killSwitch.reasonFor("a0")).toBe("again");
  });
});
