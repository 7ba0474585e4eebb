/** The Node.js version check: agentgov needs Node.js 20.19 or later (the packages' `engines`). */
import { parseVersion, satisfies } from "../semver-range.js";
import type { CheckResult } from "./check.js";

/** The Node.js versions agentgov runs on. */
export const NODE_RANGE = ">=20.19.0";

/** Checks a Node.js version (`process.versions.node`). */
export function checkNodeVersion(version: string): CheckResult {
  const parsed = parseVersion(version);
  if (parsed === null) return { check: "node", status: "fail", message: `cannot read the Node.js version '${version}'` };
  const ok = satisfies(parsed, NODE_RANGE);
  return { check: "node", status: ok ? "pass" : "fail", message: `Node.js ${version} (needs ${NODE_RANGE})${ok ? "" : ": upgrade Node.js"}` };
}
