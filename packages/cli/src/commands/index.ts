/** The command table: `"<group> <name>"` → command. */
import type { Command } from "../io.js";
import { policyEval } from "./policy-eval.js";
import { policyLint } from "./policy-lint.js";
import { policyTest } from "./policy-test.js";
import { auditVerify } from "./audit-verify.js";

/** Every command the CLI knows. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  "policy lint": policyLint,
  "policy eval": policyEval,
  "policy test": policyTest,
  "audit verify": auditVerify,
};
