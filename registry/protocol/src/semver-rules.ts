/**
 * Version and range rules (REGISTRY.md §4.7) on top of `semver`: versions are canonical
 * only (no `v`, `=`, leading zeros or build metadata, numbers ≤ `MAX_SAFE_INTEGER`),
 * dependency ranges are bounded above in every alternative and never name a prerelease,
 * and resolution selects a prerelease only when the user names it and opts in.
 */
import semver from "semver";
import { DEFAULT_LIMITS } from "./limits.js";
import { RegistryError } from "./errors.js";

/** Why `value` is not a canonical version, or `undefined` when it is one. */
export function versionProblem(value: unknown, maxChars = DEFAULT_LIMITS.versionChars): string | undefined {
  if (typeof value !== "string") return "not a string";
  if (value.length > maxChars) return `longer than ${maxChars} characters`;
  if (value.includes("+")) return "build metadata is not allowed";
  if (semver.valid(value) !== value) return "not a canonical semantic version";
  const parsed = semver.parse(value);
  if (parsed === null) return "not a canonical semantic version";
  const numbers = [parsed.major, parsed.minor, parsed.patch, ...parsed.prerelease];
  for (const n of numbers) {
    const big = typeof n === "string" && /^[0-9]+$/.test(n) ? Number(n) : n;
    if (typeof big === "number" && !Number.isSafeInteger(big)) return "a number exceeds MAX_SAFE_INTEGER";
  }
  return undefined;
}

/** True for a canonical version. */
export function isCanonicalVersion(value: unknown): value is string {
  return versionProblem(value) === undefined;
}

/** Options of {@link rangeProblem}. */
export interface RangeRules {
  /** Require an upper bound in every alternative (dependency ranges); default true. */
  bounded?: boolean;
  /** Most characters; default 256. */
  maxChars?: number;
  /** Most `||` alternatives; default 16. */
  maxAlternatives?: number;
}

/**
 * Why `value` is not an acceptable range, or `undefined`. A dependency range (the default)
 * must parse, stay within 256 characters and 16 alternatives, carry no prerelease or build
 * tag, and bound every alternative above (`<`, `<=` or an exact version after desugaring),
 * which rejects `*`, `x`, `>=0.0.0`, `latest` and tags. `bounded: false` (engines) drops
 * only the last rule.
 */
export function rangeProblem(value: unknown, rules: RangeRules = {}): string | undefined {
  const maxChars = rules.maxChars ?? DEFAULT_LIMITS.versionChars;
  const maxAlternatives = rules.maxAlternatives ?? DEFAULT_LIMITS.rangeAlternatives;
  if (typeof value !== "string") return "not a string";
  if (value.length > maxChars) return `longer than ${maxChars} characters`;
  if (value.trim() === "") return "empty range";
  if (value.split("||").length > maxAlternatives) return `more than ${maxAlternatives} alternatives`;
  if (value.includes("+")) return "build metadata is not allowed";
  // A '-' glued to a preceding character is a prerelease tag; hyphen ranges have spaces around it.
  if (/\S-/.test(value)) return "prerelease comparators are not allowed";
  if (semver.validRange(value) === null) return "not a valid range";
  if (rules.bounded === false) return undefined;
  const range = new semver.Range(value);
  for (const set of range.set) {
    const hasUpper = set.some((c) =>
      c.operator === "<" || c.operator === "<=" || ((c.operator === "" || c.operator === "=") && c.value !== ""));
    if (!hasUpper) return `alternative '${set.map((c) => c.value).join(" ") || "*"}' has no upper bound`;
  }
  return undefined;
}

/** Throws `REGISTRY_MANIFEST_INVALID` at `path` unless `value` is a canonical version. */
export function assertCanonicalVersion(value: unknown, path = "version"): asserts value is string {
  const problem = versionProblem(value);
  if (problem !== undefined) throw new RegistryError("REGISTRY_MANIFEST_INVALID", problem, { path });
}

/**
 * Throws `REGISTRY_VERSION_EXISTS` when `candidate` equals (under `semver.eq`) a version
 * already published: two such versions cannot coexist.
 */
export function assertVersionIsNew(candidate: string, existing: Iterable<string>): void {
  for (const version of existing) {
    if (semver.valid(version) !== null && semver.eq(version, candidate)) {
      throw new RegistryError("REGISTRY_VERSION_EXISTS", `${candidate} already exists as ${version}`);
    }
  }
}

/** Options of {@link selectVersion}. */
export interface SelectOptions {
  /** The user asked for prereleases (`--prerelease`); default false. */
  prerelease?: boolean;
}

/**
 * The version an install request resolves to among `available` (already filtered of yanked
 * and blocked versions), or `undefined`. A request that is an exact canonical version selects
 * only itself, and a prerelease only with `prerelease: true`. A range selects the highest
 * release it satisfies (`includePrerelease: false`); prereleases never match a range.
 */
export function selectVersion(available: readonly string[], request: string, options: SelectOptions = {}): string | undefined {
  const candidates = available.filter(isCanonicalVersion);
  if (isCanonicalVersion(request)) {
    if (semver.prerelease(request) !== null && options.prerelease !== true) return undefined;
    return candidates.find((v) => v === request);
  }
  if (semver.validRange(request) === null) return undefined;
  const releases = candidates.filter((v) => semver.prerelease(v) === null);
  return semver.maxSatisfying(releases, request, { includePrerelease: false }) ?? undefined;
}
