/** The command table: `"<group> <name>"` → command. */
import type { Command } from "../io.js";
import { policyEval } from "./policy-eval.js";
import { policyLint } from "./policy-lint.js";
import { policyTest } from "./policy-test.js";
import { auditVerify } from "./audit-verify.js";
import { serve } from "./serve.js";
import { rlDemo } from "./rl-demo.js";
import { rlKillCommand, rlResumeCommand, rlStatusCommand, rlVerifyCommand } from "./rl.js";

/** Every command the CLI knows. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  "policy lint": policyLint,
  "policy eval": policyEval,
  "policy test": policyTest,
  "audit verify": auditVerify,
  "rl demo": rlDemo,
  "rl verify": rlVerifyCommand,
  "rl kill": rlKillCommand,
  "rl resume": rlResumeCommand,
  "rl status": rlStatusCommand,
};

/** Commands of one word (`agentgov serve`). */
export const SINGLE_COMMANDS: Readonly<Record<string, Command>> = {
  serve,
};
