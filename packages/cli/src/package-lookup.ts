/**
 * Finding an installed package's `package.json` as Node would from a directory: the
 * nearest `node_modules/<name>/package.json` walking up to the file-system root. Read with
 * a size limit and strict JSON parsing.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError, parseJson } from "./read-input.js";

/** Largest package.json read, in bytes. */
export const MAX_PACKAGE_JSON_BYTES = 1024 * 1024;

/** An installed package: where its manifest is and what it says. */
export interface InstalledPackage {
  path: string;
  manifest: Record<string, unknown>;
}

/**
 * The package `name` as resolved from `fromDir`, or null when it is not installed there.
 * Throws {@link InputError} when a manifest exists but is unreadable or malformed.
 */
export function findInstalledPackage(name: string, fromDir: string): InstalledPackage | null {
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) throw new InputError(`'${name}' is not a package name`);
  let dir = fromDir;
  for (;;) {
    const path = join(dir, "node_modules", ...name.split("/"), "package.json");
    const manifest = readManifest(path);
    if (manifest !== null) return { path, manifest };
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function readManifest(path: string): Record<string, unknown> | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw new InputError(`cannot read ${path}: ${code ?? String(error)}`);
  }
  if (buf.length > MAX_PACKAGE_JSON_BYTES) throw new InputError(`${path} is larger than ${MAX_PACKAGE_JSON_BYTES} bytes`);
  const value = parseJson(buf.toString("utf8"), path);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InputError(`${path} is not a JSON object`);
  return value as Record<string, unknown>;
}
