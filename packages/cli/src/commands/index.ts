/** The command table: `"<group> <name>"` → command. */
import type { Command } from "../io.js";
import { policyEval } from "./policy-eval.js";
import { policyLint } from "./policy-lint.js";
import { policyTest } from "./policy-test.js";
import { auditVerify } from "./audit-verify.js";
import { serve } from "./serve.js";
import { rlDemo } from "./rl-demo.js";
import { pluginKeygen } from "./plugin-keygen.js";
import { pluginPack } from "./plugin-pack.js";
import { pluginSign } from "./plugin-sign.js";
import { pluginVerify } from "./plugin-verify.js";
import { pluginInstall } from "./plugin-install.js";
import { pluginTrust } from "./plugin-trust.js";
import { pluginPublish } from "./plugin-publish.js";
import { pluginRevoke } from "./plugin-revoke.js";
import { pluginRotate } from "./plugin-rotate.js";
import { pluginYank } from "./plugin-yank.js";
import { pluginAudit } from "./plugin-audit.js";
import { rlKillCommand, rlResumeCommand, rlStatusCommand, rlVerifyCommand } from "./rl.js";
import { agentsCommands } from "./agents.js";
import { doctor } from "./doctor.js";
import { verify } from "./verify.js";
import { registryServe } from "./registry-serve.js";
import { registryLog } from "./registry-log.js";

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
  "plugin keygen": pluginKeygen,
  "plugin pack": pluginPack,
  "plugin sign": pluginSign,
  "plugin verify": pluginVerify,
  "plugin install": pluginInstall,
  "plugin trust": pluginTrust,
  "plugin publish": pluginPublish,
  "plugin revoke": pluginRevoke,
  "plugin rotate": pluginRotate,
  "plugin yank": pluginYank,
  "plugin audit": pluginAudit,
  ...agentsCommands,
  "registry serve": registryServe,
  "registry log": registryLog,
};

/** Commands of one word (`agentgov serve`). */
export const SINGLE_COMMANDS: Readonly<Record<string, Command>> = {
  serve,
  doctor,
  verify,
};
