/**
 * The framework check: for each agentgov adapter, the frameworks it supports (its
 * `peerDependencies`, the tested ranges) as installed in the user's project — resolved from
 * the working directory as Node would — must lie inside those ranges. A framework that is
 * not installed is skipped, not failed. The adapters' ranges are read from their
 * package.json: the one installed in the project, else the one beside this CLI.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { findInstalledPackage, type InstalledPackage } from "../package-lookup.js";
import { InputError } from "../read-input.js";
import { parseVersion, RangeSyntaxError, satisfies } from "../semver-range.js";
import type { CheckResult } from "./check.js";

/** The adapters whose tested framework ranges are checked. */
export const ADAPTERS = ["@agentgov/langchain", "@agentgov/openai-agents", "@agentgov/ai-sdk"] as const;

const CLI_DIR = dirname(fileURLToPath(import.meta.url));

/** Checks every adapter's frameworks as installed from `cwd`. `cliDir` is where to find adapters the project lacks. */
export function checkFrameworks(cwd: string, cliDir: string = CLI_DIR): CheckResult[] {
  return ADAPTERS.flatMap((adapter) => checkAdapter(adapter, cwd, cliDir));
}

function checkAdapter(adapter: string, cwd: string, cliDir: string): CheckResult[] {
  let found: InstalledPackage | null;
  try {
    found = findInstalledPackage(adapter, cwd) ?? findInstalledPackage(adapter, cliDir);
  } catch (error) {
    if (error instanceof InputError) return [{ check: "framework", status: "fail", message: `${adapter}: ${error.message}` }];
    throw error;
  }
  if (found === null) return [{ check: "framework", status: "skip", message: `${adapter} is not installed, so its tested ranges are unknown here` }];
  const peers = found.manifest.peerDependencies;
  if (typeof peers !== "object" || peers === null || Object.keys(peers).length === 0) {
    return [{ check: "framework", status: "fail", message: `${adapter} (${found.path}) declares no peerDependencies to check against` }];
  }
  return Object.entries(peers as Record<string, unknown>).map(([framework, range]) => checkFramework(adapter, framework, range, cwd));
}

function checkFramework(adapter: string, framework: string, range: unknown, cwd: string): CheckResult {
  const label = `${framework} (${adapter} tested range ${typeof range === "string" ? range : JSON.stringify(range)})`;
  if (typeof range !== "string") return { check: "framework", status: "fail", message: `${label}: the range is not a string` };
  let installed: InstalledPackage | null;
  try {
    installed = findInstalledPackage(framework, cwd);
  } catch (error) {
    if (error instanceof InputError) return { check: "framework", status: "fail", message: `${label}: ${error.message}` };
    throw error;
  }
  if (installed === null) return { check: "framework", status: "skip", message: `${label}: not installed in this project` };
  const version = installed.manifest.version;
  const parsed = typeof version === "string" ? parseVersion(version) : null;
  if (parsed === null) return { check: "framework", status: "fail", message: `${label}: ${installed.path} has no readable version (${JSON.stringify(version)})` };
  try {
    const ok = satisfies(parsed, range);
    return { check: "framework", status: ok ? "pass" : "fail", message: `${label}: installed ${String(version)}${ok ? "" : " is OUTSIDE the tested range"}` };
  } catch (error) {
    if (error instanceof RangeSyntaxError) return { check: "framework", status: "fail", message: `${label}: cannot read the range: ${error.message}` };
    throw error;
  }
}
