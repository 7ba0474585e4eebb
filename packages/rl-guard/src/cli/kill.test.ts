import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { isRlError } from "../errors.js";
import { createRlGuard } from "../guard.js";
import { createRlKillSwitch, type KillState } from "../run/kill-switch.js";
import { CONFIG_YAML, testConfig, testSigner } from "../testing/fixtures/config.js";
import { rlKill, rlResume, rlStatus, type RlCommand } from "./index.js";

async function run(cmd: RlCommand, argv: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const sink = (add: (s: string) => void) => new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      add(chunk.toString());
      cb();
    },
  });
  const code = await cmd(argv, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env, cwd });
  return { code, out, err };
}

const stateOf = (file: string): KillState => JSON.parse(readFileSync(file, "utf8")) as KillState;

describe("agentgov rl kill / resume / status", () => {
  it("kill aborts a guard's in-flight episode through the state file, refuses new ones, and survives a restart until resume", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-kill-"));
    const file = join(dir, "state", "kill.json");
    const killSwitch = createRlKillSwitch({ stateFile: file, pollMs: 0 });
    const guard = createRlGuard(testConfig(), { signer: testSigner(), killSwitch });
    const ep = guard.beginEpisode({ runId: "run-test", rolloutId: "r1", attemptId: "0", mode: "train" });
    expect((await run(rlStatus, ["--state", "state/kill.json"], dir)).code).toBe(0);

    const k = await run(rlKill, ["--state", "state/kill.json", "--reason", "reward hacking suspected"], dir, { USER: "alice" });
    expect(k).toMatchObject({ code: 0, err: "" });
    expect(k.out).toMatch(/^kill switch killed \(reward hacking suspected \(by alice\)\) since .*: .*kill\.json\n$/);
    expect(stateOf(file)).toMatchObject({ v: 1, state: "killed", reason: "reward hacking suspected (by alice)" });

    killSwitch.refresh(); // what the 1 s file watch does in a running guard
    expect(ep.signal.aborted).toBe(true);
    expect(ep.gate({ id: "c1", name: "read_file", args: { path: "src/a.py" } }).decision.code).toBe("kill_switch");
    expect((await ep.finish({ base: 1 })).reason).toBe("killed");
    let refused: unknown;
    try {
      guard.beginEpisode({ runId: "run-test", rolloutId: "r2", attemptId: "0", mode: "train" });
    } catch (error) {
      refused = error;
    }
    expect(isRlError(refused, "RL_KILLED")).toBe(true);

    // A restarted process reads the persisted state.
    const restarted = createRlKillSwitch({ stateFile: file, pollMs: 0 });
    expect(restarted.engaged).toBe(true);
    const status = await run(rlStatus, ["--state", file, "--json"], dir);
    expect(status.code).toBe(1);
    expect(JSON.parse(status.out)).toMatchObject({ ok: false, state: { state: "killed" } });

    const r = await run(rlResume, ["--state", file, "--operator", "bob", "--reason", "fixed the grader", "--json"], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, file, previous: { state: "killed" }, state: { state: "running", reason: "fixed the grader", operator: "bob" } });
    expect(createRlKillSwitch({ stateFile: file, pollMs: 0 }).engaged).toBe(false);
    killSwitch.refresh();
    expect(guard.beginEpisode({ runId: "run-test", rolloutId: "r3", attemptId: "0", mode: "train" }).signal.aborted).toBe(false);
    expect((await run(rlStatus, ["--state", file], dir)).code).toBe(0);
    guard.close();
  });

  it("--pause pauses; resume releases it; resume of a running switch changes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-kill-"));
    expect((await run(rlKill, ["--state", "k.json", "--pause"], dir)).code).toBe(0);
    expect(stateOf(join(dir, "k.json")).state).toBe("paused");
    expect((await run(rlStatus, ["--state", "k.json"], dir)).code).toBe(1);
    expect((await run(rlResume, ["--state", "k.json"], dir, { AGENTGOV_OPERATOR: "carol" })).code).toBe(0);
    expect(stateOf(join(dir, "k.json"))).toMatchObject({ state: "running", operator: "carol" });
    const again = await run(rlResume, ["--state", "k.json", "--json"], dir, { USER: "dave" });
    expect(JSON.parse(again.out)).toMatchObject({ previous: { state: "running", operator: "carol" }, state: { state: "running", operator: "carol" } });
  });

  it("a kill is not weakened by a later --pause", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-kill-"));
    await run(rlKill, ["--state", "k.json"], dir);
    await run(rlKill, ["--state", "k.json", "--pause"], dir);
    expect(stateOf(join(dir, "k.json")).state).toBe("killed");
  });

  it("finds the state file through AGENTGOV_RL_STATE_FILE or the config's kill_switch.state_file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-kill-"));
    expect((await run(rlKill, [], dir, { AGENTGOV_RL_STATE_FILE: "env.json" })).code).toBe(0);
    expect(stateOf(join(dir, "env.json")).state).toBe("killed");
    writeFileSync(join(dir, "agentgov-rl.yaml"), CONFIG_YAML.replace("signing: { integrity_floor: -1 }", "signing: { integrity_floor: -1 }\nkill_switch: { state_file: ./run/kill.json }"));
    expect((await run(rlKill, ["--reason", "stop"], dir)).code).toBe(0);
    expect(stateOf(join(dir, "run", "kill.json"))).toMatchObject({ state: "killed", reason: "stop" });
    expect((await run(rlStatus, ["--config", "agentgov-rl.yaml"], dir)).code).toBe(1);
  });

  it("a corrupt state file reads as killed and an operator can reset it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-kill-"));
    writeFileSync(join(dir, "k.json"), "{not json");
    const s = await run(rlStatus, ["--state", "k.json"], dir);
    expect(s.code).toBe(1);
    expect(s.out).toMatch(/killed \(kill-switch state file is corrupt: failing closed\)/);
    expect((await run(rlResume, ["--state", "k.json", "--operator", "erin"], dir)).code).toBe(0);
    expect(stateOf(join(dir, "k.json")).state).toBe("running");
  });

  it("exits 1 when the state file cannot be written, 2 on usage errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-kill-"));
    writeFileSync(join(dir, "blocker"), "a file, not a directory");
    const w = await run(rlKill, ["--state", "blocker/k.json"], dir);
    expect(w.code).toBe(1);
    expect(w.err).toMatch(/agentgov rl kill: cannot write/);
    writeFileSync(join(dir, "memory.yaml"), CONFIG_YAML);
    const usage: [RlCommand, string[], Record<string, string>, RegExp][] = [
      [rlKill, [], {}, /no state file/],
      [rlStatus, [], {}, /no state file/],
      [rlKill, ["--state", "k.json", "extra"], {}, /unexpected argument 'extra'/],
      [rlKill, ["--nope"], {}, /Unknown option/],
      [rlResume, ["--state", "k.json"], {}, /who resumes/],
      [rlKill, ["--config", "memory.yaml"], {}, /sets no kill_switch.state_file/],
      [rlKill, ["--config", "missing.yaml"], {}, /configuration .*missing.yaml/],
    ];
    for (const [cmd, argv, env, message] of usage) {
      const r = await run(cmd, argv, dir, env);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toMatch(message);
    }
    for (const cmd of [rlKill, rlResume, rlStatus]) expect((await run(cmd, ["--help"], dir)).out).toMatch(/^Usage: agentgov rl (kill|resume|status)/);
  });
});
