/**
 * The two semver questions the installer asks beyond the protocol's `selectVersion`, built on
 * it (the client does not depend on `semver` directly): does a version satisfy a range, and is
 * one canonical version lower than another (semver precedence, prereleases included).
 */
import { isCanonicalVersion, selectVersion } from "@agentgov/registry-protocol";

function parts(v: string): { core: number[]; pre: string[] } {
  const [core = "", pre] = v.split(/-(.*)/s, 2);
  return { core: core.split(".").map(Number), pre: pre === undefined ? [] : pre.split(".") };
}

function compareIdent(a: string, b: string): number {
  const an = /^[0-9]+$/.test(a);
  const bn = /^[0-9]+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver precedence of two canonical versions: negative, zero or positive. */
function compare(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < 3; i++) {
    const d = Math.sign((x.core[i] ?? 0) - (y.core[i] ?? 0));
    if (d !== 0) return d;
  }
  if (x.pre.length === 0 || y.pre.length === 0) return x.pre.length === y.pre.length ? 0 : x.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const d = compareIdent(p, q);
    if (d !== 0) return d;
  }
  return 0;
}

const semverCompare = {
  /** True when canonical `version` satisfies `range` (exact versions match themselves only). */
  satisfies(version: string, range: string): boolean {
    if (isCanonicalVersion(range)) return range === version;
    return selectVersion([version], range) === version;
  },
  /** True when canonical `a` is lower than canonical `b`. */
  lt(a: string, b: string): boolean {
    return compare(a, b) < 0;
  },
};

/** See the module comment. */
export default semverCompare;
