/**
 * Just enough of npm's semver to check an installed version against a peer-dependency
 * range: `||` alternatives of space-separated comparators (`>=`, `>`, `<=`, `<`, `=`), caret
 * and tilde ranges, partial and `x`/`*` versions, hyphen ranges, and npm's prerelease rule
 * (a prerelease satisfies a range only when a comparator names the same major.minor.patch
 * with a prerelease). Anything else is refused rather than guessed.
 */

/** A parsed version. */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: readonly (string | number)[];
}

/** A range that cannot be read. */
export class RangeSyntaxError extends Error {
  override name = "RangeSyntaxError";
}

type Op = ">=" | ">" | "<=" | "<" | "=";
interface Comparator {
  op: Op;
  version: SemVer;
}

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*])(?:\.(\d+|[xX*])(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-.]+)?)?)?$/;
const MAX_RANGE_LENGTH = 1024;

/** Parses a full version (`1.2.3`, `1.2.3-beta.1`, build metadata ignored); null when it is not one. */
export function parseVersion(text: string): SemVer | null {
  const m = VERSION.exec(text.trim());
  if (m === null) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: prereleaseOf(m[4]) };
}

/** True when `version` satisfies `range`. Throws {@link RangeSyntaxError} for a range it cannot read. */
export function satisfies(version: SemVer, range: string): boolean {
  return parseRange(range).some((set) => set.every((c) => test(c, version)) && prereleaseAllowed(set, version));
}

/** Compares two versions (-1, 0, 1) by semver precedence. */
export function compareVersions(a: SemVer, b: SemVer): number {
  for (const key of ["major", "minor", "patch"] as const) if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function prereleaseOf(text: string | undefined): (string | number)[] {
  if (text === undefined) return [];
  return text.split(".").map((id) => (/^(0|[1-9]\d*)$/.test(id) ? Number(id) : id));
}

function parseRange(range: string): Comparator[][] {
  if (range.length > MAX_RANGE_LENGTH) throw new RangeSyntaxError(`range longer than ${MAX_RANGE_LENGTH} characters`);
  return range.split("||").map((alternative) => {
    const text = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1");
    if (text === "" || text === "*") return [];
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    if (hyphen !== null) return [...desugar(">=", hyphen[1] ?? "", range), ...desugar("<=", hyphen[2] ?? "", range)];
    return text.split(/\s+/).flatMap((part) => {
      const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(part);
      return desugar((m?.[1] ?? "") as Op | "^" | "~" | "", m?.[2] ?? "", range);
    });
  });
}

function desugar(op: Op | "^" | "~" | "", text: string, range: string): Comparator[] {
  const m = PARTIAL.exec(text);
  if (m === null) throw new RangeSyntaxError(`cannot read '${text}' in range '${range}'`);
  const num = (s: string | undefined): number | null => (s === undefined || /^[xX*]$/.test(s) ? null : Number(s));
  const major = num(m[1]);
  const minor = major === null ? null : num(m[2]);
  const patch = minor === null ? null : num(m[3]);
  const pre = patch === null ? [] : prereleaseOf(m[4]);
  const v = (a: number, b: number, c: number, p: readonly (string | number)[] = []): SemVer => ({ major: a, minor: b, patch: c, prerelease: p });
  if (major === null) return op === "<" || op === ">" ? [{ op: "<", version: v(0, 0, 0, [0]) }] : [];
  const low = v(major, minor ?? 0, patch ?? 0, pre);
  // The first version above the partial version: 1 → 2.0.0, 1.2 → 1.3.0.
  const next = minor === null ? v(major + 1, 0, 0) : patch === null ? v(major, minor + 1, 0) : null;
  switch (op) {
    case "^": {
      const upper = major > 0 || minor === null ? v(major + 1, 0, 0) : minor > 0 || patch === null ? v(0, minor + 1, 0) : v(0, 0, (patch) + 1);
      return [{ op: ">=", version: low }, { op: "<", version: upper }];
    }
    case "~":
      return [{ op: ">=", version: low }, { op: "<", version: minor === null ? v(major + 1, 0, 0) : v(major, minor + 1, 0) }];
    case "":
    case "=":
      return next === null ? [{ op: "=", version: low }] : [{ op: ">=", version: low }, { op: "<", version: next }];
    case ">":
      return next === null ? [{ op: ">", version: low }] : [{ op: ">=", version: next }];
    case "<=":
      return next === null ? [{ op: "<=", version: low }] : [{ op: "<", version: next }];
    case ">=":
    case "<":
      return [{ op, version: low }];
  }
}

function test(c: Comparator, version: SemVer): boolean {
  const order = compareVersions(version, c.version);
  switch (c.op) {
    case ">=": return order >= 0;
    case ">": return order > 0;
    case "<=": return order <= 0;
    case "<": return order < 0;
    case "=": return order === 0;
  }
}

function prereleaseAllowed(set: readonly Comparator[], version: SemVer): boolean {
  if (version.prerelease.length === 0) return true;
  return set.some((c) => c.version.prerelease.length > 0 && c.version.major === version.major && c.version.minor === version.minor && c.version.patch === version.patch);
}
