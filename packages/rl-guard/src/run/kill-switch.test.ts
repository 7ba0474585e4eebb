import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRlGuardConfig } from "../config/load.js";
import { createRlGuard } from "../guard.js";
import { CONFIG_YAML, testConfig, testGuard, testSigner } from "../testing/fixtures/config.js";
import { createRlKillSwitch } from "./kill-switch.js";

const tempFile = (): string => join(mkdtempSync(join(tmpdir(), "rl-kill-")), "state", "kill.json");

describe("durable kill switch", () => {
  it("persists a kill across a restart until reset by an operator", () => {
    const file = tempFile();
    const first = createRlKillSwitch({ stateFile: file, pollMs: 0 });
    expect(first.engaged).toBe(false);
    first.engage("D2 held-out gap");
    first.close();
    const restarted = createRlKillSwitch({ stateFile: file, pollMs: 0 });
    expect(restarted.engaged).toBe(true);
    expect(restarted.state()).toMatchObject({ state: "killed", reason: "D2 held-out gap" });
    restarted.release();
    expect(restarted.engaged).toBe(true);
    restarted.reset("investigated", "alice");
    expect(createRlKillSwitch({ stateFile: file, pollMs: 0 }).state()).toMatchObject({ state: "running", operator: "alice" });
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ v: 1, state: "running" });
  });

  it("pauses and resumes; a pause denies too", () => {
    const ks = createRlKillSwitch({ stateFile: tempFile(), pollMs: 0 });
    ks.pause("maintenance");
    expect(ks.engaged).toBe(true);
    ks.resume("done");
    expect(ks.engaged).toBe(false);
  });

  it("fails closed on a corrupt or unreadable state file", () => {
    const file = tempFile();
    createRlKillSwitch({ stateFile: file, pollMs: 0 }).pause("x");
    writeFileSync(file, "{not json");
    expect(createRlKillSwitch({ stateFile: file, pollMs: 0 }).state()).toMatchObject({ state: "killed" });
    writeFileSync(file, JSON.stringify({ v: 1, state: "exploded", reason: "", operator: null, at: "" }));
    expect(createRlKillSwitch({ stateFile: file, pollMs: 0 }).engaged).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "rl-kill-"));
    expect(createRlKillSwitch({ stateFile: dir, pollMs: 0 }).engaged).toBe(true); // EISDIR
  });

  it("engages in memory even when the state cannot be written", () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-kill-"));
    writeFileSync(join(dir, "file"), "");
    const ks = createRlKillSwitch({ stateFile: join(dir, "file", "kill.json"), pollMs: 0 });
    expect(() => { ks.engage("x"); }).toThrow();
    expect(ks.engaged).toBe(true);
    expect(() => { ks.reset("y", "op"); }).toThrow();
    expect(ks.engaged).toBe(true);
  });

  it("crosses processes: another instance's kill is picked up on refresh and aborts in-flight episodes", () => {
    const file = tempFile();
    const mine = createRlKillSwitch({ stateFile: file, pollMs: 0 });
    const guard = testGuard(testConfig(), { killSwitch: mine });
    const ep = guard.beginEpisode({ runId: "run-test", rolloutId: "r1", attemptId: "0", mode: "train" });
    expect(guard.inFlight).toBe(1);
    createRlKillSwitch({ stateFile: file, pollMs: 0 }).engage("operator: agentgov rl kill");
    expect(ep.signal.aborted).toBe(false);
    mine.refresh();
    expect(ep.signal.aborted).toBe(true);
    expect(guard.inFlight).toBe(0);
    const after = ep.log.records().find((r) => r.decision.code === "kill_switch");
    expect(after?.decision.reason).toMatch(/operator/);
  });

  it("a guard built from the config restores a persisted kill after a restart", () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-kill-"));
    const config = parseRlGuardConfig(`${CONFIG_YAML}kill_switch: { state_file: ./state/kill.json }\n`, { file: join(dir, "agentgov-rl.yaml") });
    const first = createRlGuard(config, { signer: testSigner() });
    first.killSwitch.engage("operator");
    first.close();
    const restarted = createRlGuard(config, { signer: testSigner() });
    expect(restarted.killSwitch.engaged).toBe(true);
    expect(() => restarted.beginEpisode({ runId: "run-test", rolloutId: "r1", attemptId: "0", mode: "train" })).toThrow(/kill switch engaged: operator/);
    restarted.close();
  });
});
