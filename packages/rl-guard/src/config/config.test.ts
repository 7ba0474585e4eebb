import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isRlError } from "../errors.js";
import { CONFIG_YAML, testConfig } from "../testing/fixtures/config.js";
import { RlConfigError } from "./error.js";
import { loadRlGuardConfig, parseRlGuardConfig } from "./load.js";

function issuesOf(edit: (y: string) => string): RlConfigError {
  try {
    testConfig(edit);
  } catch (error) {
    if (error instanceof RlConfigError) return error;
    throw error;
  }
  throw new Error("expected RL_CONFIG_INVALID");
}

describe("config", () => {
  it("compiles the fixture into a frozen config with one version per phase", () => {
    const config = testConfig();
    expect(config.phases.map((p) => p.name)).toEqual(["basic", "extended"]);
    expect(config.phases[0]?.policyVersion).toMatch(/^[0-9a-f]{64}$/);
    expect(config.phases[0]?.policyVersion).not.toBe(config.phases[1]?.policyVersion);
    expect(Object.isFrozen(config.shaping.weights)).toBe(true);
    expect(config.phases[0]?.budgets).toEqual({ max_tool_calls: 6, max_consecutive_denied: 3 });
  });

  it("derives the same policy version from the same config, another from another", () => {
    expect(testConfig().phases[0]?.policyVersion).toBe(testConfig().phases[0]?.policyVersion);
    expect(testConfig((y) => y.replace("max_consecutive_denied: 3", "max_consecutive_denied: 4")).phases[0]?.policyVersion).not.toBe(testConfig().phases[0]?.policyVersion);
  });

  const rejections: [string, (y: string) => string, RegExp][] = [
    ["a positive weight", (y) => y.replace("low: -0.05", "low: 0.05"), /penalty weight must not be positive/],
    ["a positive floor", (y) => y.replace("floor: -1", "floor: 0.5"), /floor must not be positive/],
    ["a clamp excluding 0", (y) => y.replace("clamp: [-1, 1]", "clamp: [0.1, 1]"), /clamp must include 0/],
    ["a negative clean bonus", (y) => y.replace("clean_bonus: 0", "clean_bonus: -0.1"), /clean_bonus must not be negative/],
    ["duplicate phase names", (y) => y.replace("name: extended", "name: basic"), /duplicate phase name 'basic'/],
    ["an empty allow_tools", (y) => y.replace("allow_tools: [read_file, edit_file, run_tests, submit, http_get]", "allow_tools: []"), /must not be empty/],
    ["screen with agl-v1", (y) => y.replace("mode: penalize", "mode: screen").replace("kind: RlGuard", "kind: RlGuard\nadapter: agl-v1"), /screen is not supported with the agl-v1/],
    ["agt_compat with a ramp", (y) => y.replace("shape_val: false", "shape_val: false, agt_compat: true"), /agt_compat cannot be combined with a ramp/],
    ["a promotion without a competence term", (y) => y.replace(/,\n\s+\{ metric: eval_heldout_success[^}]+\} \] \}/, " ] }"), /promotion needs a competence term/],
    ["an unknown key", (y) => y.replace("cooldown_epochs: 2", "cooldown_epochs: 2\n  cooldown: 3"), /unknown key 'cooldown'/],
    ["an unknown pack", (y) => y.replace("pack:net/egress", "pack:net/nope"), /unknown pack 'pack:net\/nope'/],
    ["a duplicate YAML key", (y) => y.replace("kind: RlGuard", "kind: RlGuard\nkind: RlGuard"), /duplicate key/],
  ];
  for (const [what, edit, message] of rejections) {
    it(`rejects ${what} with RL_CONFIG_INVALID and a position`, () => {
      const error = issuesOf(edit);
      expect(isRlError(error, "RL_CONFIG_INVALID")).toBe(true);
      expect(error.message).toMatch(message);
      const issue = error.issues.find((i) => message.test(i.message));
      expect(issue?.file).toBe("agentgov-rl.yaml");
      expect(issue?.line).toBeGreaterThan(0);
    });
  }

  it("reports the line and column of a bad value", () => {
    const error = issuesOf((y) => y.replace("low: -0.05", "low: 0.05"));
    const line = CONFIG_YAML.split("\n").findIndex((l) => l.includes("low: -0.05")) + 1;
    expect(error.issues[0]).toMatchObject({ line, key: "shaping.weights.low" });
    expect(error.issues[0]?.col).toBe(CONFIG_YAML.split("\n")[line - 1]?.indexOf("-0.05") as number + 1);
  });

  it("passes core policy load errors through, positioned in the policy file", () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-config-"));
    writeFileSync(join(dir, "base.yaml"), "apiVersion: agentgov/v1\nname: base\nrules:\n  - name: r\n    condition: \"tool.name = 'x'\"\n");
    const text = CONFIG_YAML.replace("policies: [pack:coding/test-tamper", "policies: [./base.yaml, pack:coding/test-tamper");
    writeFileSync(join(dir, "agentgov-rl.yaml"), text);
    let error: unknown;
    try {
      parseRlGuardConfig(text, { file: join(dir, "agentgov-rl.yaml") });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RlConfigError);
    const issue = (error as RlConfigError).issues[0];
    expect(issue?.file).toContain("base.yaml");
    expect(issue?.line).toBe(5);
  });

  it("loads from a file and fails closed on an unreadable one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-config-"));
    writeFileSync(join(dir, "agentgov-rl.yaml"), CONFIG_YAML.replace("signing: { integrity_floor: -1 }", "signing: { integrity_floor: -1 }\nkill_switch: { state_file: ./state/kill.json }"));
    const config = await loadRlGuardConfig(join(dir, "agentgov-rl.yaml"));
    expect(config.killSwitch.stateFile).toBe(join(dir, "state", "kill.json"));
    await expect(loadRlGuardConfig(join(dir, "missing.yaml"))).rejects.toThrow(/cannot read configuration \(ENOENT\)/);
  });

  it("warns that agt_compat pays a clean bonus", () => {
    const config = testConfig((y) => y.replace(/\n\s+ramp: \{[^}]+\},/, "").replace("shape_val: false", "shape_val: false, agt_compat: true"));
    expect(config.warnings.join()).toMatch(/unconditional clean bonus/);
    expect(config.shaping.agtCompat?.cleanBonus).toBe(5);
  });

  it("rejects aliases and multiple documents", () => {
    expect(() => parseRlGuardConfig("a: &x 1\nb: *x\n")).toThrow(/aliases are not allowed/);
    expect(() => parseRlGuardConfig("a: 1\n---\nb: 2\n")).toThrow(/more than one YAML document/);
  });
});
