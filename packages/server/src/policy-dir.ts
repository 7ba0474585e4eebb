/**
 * Reading a policy directory: every `*.yaml`, `*.yml` and `*.json` file in it (not
 * recursive), sorted by name, read once so that what is hashed is exactly what is loaded.
 */
import { hash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ServerError } from "./errors.js";

/** Most policy files read from one directory. */
export const MAX_POLICY_FILES = 1000;
const POLICY_FILE = /\.(ya?ml|json)$/i;

/** The policy files of a directory, read. */
export interface PolicyDirSnapshot {
  files: { name: string; text: string }[];
  /** sha256 over the names and contents: equal snapshots have equal digests. */
  digest: string;
}

/** Names of the policy files in `dir`, sorted. Throws `POLICY_DIR` when it cannot be listed. */
export function policyFileNames(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile() && POLICY_FILE.test(d.name)).map((d) => d.name);
  } catch (error) {
    throw new ServerError("POLICY_DIR", 500, `cannot read the policy directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (names.length > MAX_POLICY_FILES) throw new ServerError("POLICY_DIR", 500, `more than ${MAX_POLICY_FILES} policy files in ${dir}`);
  return names.sort();
}

/** Reads every policy file of `dir`. */
export function readPolicyDir(dir: string): PolicyDirSnapshot {
  const files = policyFileNames(dir).map((name) => {
    try {
      return { name, text: readFileSync(join(dir, name), "utf8") };
    } catch (error) {
      throw new ServerError("POLICY_DIR", 500, `cannot read ${join(dir, name)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  });
  const digest = hash("sha256", JSON.stringify(files.map((f) => [f.name, f.text])), "hex");
  return { files, digest };
}

/** A cheap fingerprint (names, sizes, mtimes, inodes) to notice changes by polling. */
export function statFingerprint(dir: string): string {
  try {
    return policyFileNames(dir).map((name) => {
      const s = statSync(join(dir, name), { bigint: true });
      return `${name}:${s.size}:${s.mtimeNs}:${s.ino}`;
    }).join("|");
  } catch (error) {
    return `error:${error instanceof Error ? error.message : String(error)}`;
  }
}
