/**
 * The policy files of a directory as `agentgov serve` loads them: every `*.yaml`, `*.yml`
 * and `*.json` file directly in it (not recursive), sorted by name.
 */
import { readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { InputError } from "./read-input.js";

/** Most policy files read from one directory (as the server). */
export const MAX_POLICY_FILES = 1000;
const POLICY_FILE = /\.(ya?ml|json)$/i;

/** Absolute paths of the policy files of `dir` (or `[dir]` when it is a file). Throws {@link InputError}. */
export function policyFilesOf(dir: string): string[] {
  let names: string[];
  try {
    if (statSync(dir).isFile()) return [dir];
    names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile() && POLICY_FILE.test(d.name)).map((d) => d.name);
  } catch (error) {
    throw new InputError(`cannot read the policy directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (names.length > MAX_POLICY_FILES) throw new InputError(`more than ${MAX_POLICY_FILES} policy files in ${dir}`);
  return names.sort().map((name) => join(dir, name));
}

/** `path` relative to `cwd` when it lies inside it, else absolute: how reports name files. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
