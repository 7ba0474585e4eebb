/**
 * The policy check: every file of the policy directory loads on its own (each problem with
 * the loader's file:line:col), then the whole set loads together (names unique across
 * files, one conflict strategy) as the server would load it.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createPolicyEngine, formatPolicyIssue, PolicyLoadError } from "@agentgov/core/policy";
import { displayPath, policyFilesOf } from "../policy-files.js";
import { InputError } from "../read-input.js";
import type { CheckResult } from "./check.js";

/** Checks the policies of `dir` (given with `--policies`), or of `./policies` when it exists. */
export function checkPolicies(dir: string | undefined, cwd: string): CheckResult[] {
  const path = resolve(cwd, dir ?? "policies");
  if (dir === undefined && !existsSync(path)) return [{ check: "policies", status: "skip", message: "no --policies given and no ./policies directory" }];
  let files: string[];
  try {
    files = policyFilesOf(path);
  } catch (error) {
    if (error instanceof InputError) return [{ check: "policies", status: "fail", message: error.message }];
    throw error;
  }
  if (files.length === 0) return [{ check: "policies", status: "fail", message: `no policy files (*.yaml, *.yml, *.json) in ${path}: a server there would deny everything (no_policy)` }];
  const shown = files.map((f) => displayPath(cwd, f));
  const results = shown.map((file) => loadOne([file], cwd, file));
  if (results.every((r) => r.status === "pass") && files.length > 1) results.push(loadOne(shown, cwd, `the ${files.length} files together`));
  return results;
}

function loadOne(files: string[], cwd: string, label: string): CheckResult {
  try {
    const engine = createPolicyEngine({ policies: files, cwd });
    const names = engine.policyNames;
    return { check: "policies", status: "pass", message: `${label}: ${names.length} polic${names.length === 1 ? "y" : "ies"} (${names.join(", ") || "none"})` };
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) {
      return { check: "policies", status: "fail", message: `${label}: does not load: ${error instanceof Error ? error.message : String(error)}` };
    }
    return { check: "policies", status: "fail", message: `${label}: ${error.issues.length} problem(s)`, details: error.issues.map(formatPolicyIssue) };
  }
}
