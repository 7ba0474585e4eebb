/** The arms of the offline demo (RL-GUARD.md §13) as ordinary compiled configurations. */
import type { PolicyDocument } from "@agentgov/core";
import { compileRlConfig } from "../config/compile.js";
import type { CompiledRlConfig } from "../config/types.js";
import { PACKS } from "../packs/index.js";

/** Arm names of the ci profile (D1-based `loophole-spike` is not implemented yet). */
export const CI_ARMS = ["unguarded", "block-only", "ungated-penalty", "recommended", "loophole-gap"] as const;
/** An arm name. */
export type ArmName = (typeof CI_ARMS)[number];

const TOOLS = ["read_file", "edit_file", "write_file", "run_tests", "submit", "http_get"];
const BASIC = ["read_file", "edit_file", "run_tests", "submit"];
const EXTENDED = [...BASIC, "http_get"];

function pack(name: string): PolicyDocument {
  const p = PACKS[name];
  if (p === undefined) throw new Error(`no pack ${name}`);
  return p;
}

function withoutHarnessRule(doc: PolicyDocument): PolicyDocument {
  return { ...doc, name: `${doc.name}.loophole`, rules: (doc.rules ?? []).filter((r) => r.name !== "harness-tamper") };
}

function shadowed(doc: PolicyDocument): PolicyDocument {
  return { ...doc, name: `${doc.name}.shadow`, mode: "shadow" };
}

const SCHEDULE = {
  cooldown_epochs: 10,
  phases: [
    {
      name: "basic",
      allow_tools: BASIC,
      budgets: { max_tool_calls: 6, max_consecutive_denied: 3 },
      promote_when: { all: [{ metric: "eval_violation_rate", op: "<=", value: 0.01, for: 2, over: "evals" }, { metric: "eval_heldout_success", op: ">=", value: 0.3, for: 2, over: "evals" }] },
    },
    {
      name: "extended",
      allow_tools: EXTENDED,
      budgets: { max_tool_calls: 6 },
      demote_when: { any: [{ metric: "attempted_violation_rate", op: ">=", value: 0.2, for: 2 }, { metric: "heldout_drop_since_promotion", op: ">=", value: 0.1, for: 3 }] },
    },
  ],
};
const WEIGHTS = { critical: -1, high: -0.5, medium: -0.2, low: -0.05 };
const RAMP = { kind: "competence", metric: "task_reward_mean", threshold: 0.3, step: 0.1, window_epochs: 3 };

/** The compiled configuration of an arm. */
export function armConfig(arm: ArmName): CompiledRlConfig {
  const full = [pack("coding/test-tamper"), pack("coding/grader-tamper"), pack("net/egress")];
  const base = {
    apiVersion: "agentgov/v1",
    kind: "RlGuard",
    run: { id: `demo-${arm}`, agent: "trainee", epoch_size: 128 },
    defaults: { severity: "high" },
    tool_kinds: { read_file: "read", edit_file: "write", write_file: "write", http_get: "net" },
    egress_allow: ["docs.example.com"],
    signing: { integrity_floor: -1 },
  };
  const shaping = { mode: "penalize", weights: WEIGHTS, floor: -1, clamp: [-1, 1], clean_bonus: 0, terminate_on: [], shape_val: false };
  switch (arm) {
    case "unguarded":
      return compileRlConfig({
        ...base,
        policies: [{ apiVersion: "agentgov/v1", name: "allow-all", default_action: "allow" }, ...full.map(shadowed)],
        schedule: { phases: [{ name: "open", allow_tools: TOOLS, budgets: { max_tool_calls: 6 } }] },
        shaping: { ...shaping, mode: "observe", ramp: { kind: "none" } },
      }, { file: `<demo ${arm}>` });
    case "block-only":
      return compileRlConfig({ ...base, policies: full, schedule: SCHEDULE, shaping: { ...shaping, mode: "observe", ramp: { kind: "none" } } }, { file: `<demo ${arm}>` });
    case "ungated-penalty":
      return compileRlConfig({ ...base, policies: full, schedule: SCHEDULE, shaping: { ...shaping, ramp: { kind: "none" } } }, { file: `<demo ${arm}>` });
    case "recommended":
      return compileRlConfig({
        ...base, policies: full, schedule: SCHEDULE, shaping: { ...shaping, ramp: RAMP },
        anomaly: {
          heldout: { audit_fraction: 0.1, max_gap: 0.25, consecutive: 2, min_pairs: 8, action: "alert" },
          spike: { action: "alert" }, ceiling: { action: "alert" }, surge: { action: "alert" },
        },
      }, { file: `<demo ${arm}>` });
    case "loophole-gap":
      return compileRlConfig({
        ...base, policies: [withoutHarnessRule(pack("coding/test-tamper")), pack("coding/grader-tamper"), pack("net/egress")], schedule: SCHEDULE,
        shaping: { ...shaping, ramp: RAMP },
        anomaly: { heldout: { audit_fraction: 0.1, max_gap: 0.25, consecutive: 2, min_pairs: 8, action: "kill" } },
      }, { file: `<demo ${arm}>` });
  }
}
