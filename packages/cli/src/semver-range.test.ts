import { describe, expect, it } from "vitest";
import { parseVersion, RangeSyntaxError, satisfies } from "./semver-range.js";

const ok = (version: string, range: string): boolean => {
  const v = parseVersion(version);
  if (v === null) throw new Error(`bad test version ${version}`);
  return satisfies(v, range);
};

describe("semver ranges (the subset peerDependencies use)", () => {
  it("reads the adapters' real ranges", () => {
    expect(ok("6.0.326", "^6.0.326 || ^7.0.173")).toBe(true);
    expect(ok("7.9.0", "^6.0.326 || ^7.0.173")).toBe(true);
    expect(ok("7.0.172", "^6.0.326 || ^7.0.173")).toBe(false);
    expect(ok("8.0.0", "^6.0.326 || ^7.0.173")).toBe(false);
    expect(ok("0.20.0", ">=0.20.0 <1")).toBe(true);
    expect(ok("0.99.1", ">=0.20.0 <1")).toBe(true);
    expect(ok("0.19.9", ">=0.20.0 <1")).toBe(false);
    expect(ok("1.0.0", ">=0.20.0 <1")).toBe(false);
  });

  it("follows npm for carets and tildes below 1.0", () => {
    expect(ok("0.2.9", "^0.2.3")).toBe(true);
    expect(ok("0.3.0", "^0.2.3")).toBe(false);
    expect(ok("0.0.3", "^0.0.3")).toBe(true);
    expect(ok("0.0.4", "^0.0.3")).toBe(false);
    expect(ok("1.2.9", "~1.2.3")).toBe(true);
    expect(ok("1.3.0", "~1.2.3")).toBe(false);
  });

  it("reads partial versions, wildcards, hyphen ranges and spaced operators", () => {
    expect(ok("1.9.9", "1.x")).toBe(true);
    expect(ok("2.0.0", "1")).toBe(false);
    expect(ok("5.0.0", "*")).toBe(true);
    expect(ok("1.5.0", "1.2.3 - 1.6")).toBe(true);
    expect(ok("1.7.0", "1.2.3 - 1.6")).toBe(false);
    expect(ok("1.2.0", ">= 1.2.0")).toBe(true);
    expect(ok("1.2.0", ">1.2")).toBe(false);
    expect(ok("1.2.5", "<=1.2")).toBe(true);
  });

  it("lets a prerelease satisfy only a range that names its major.minor.patch with a prerelease", () => {
    expect(ok("2.0.0-beta.1", "^1.2.3")).toBe(false);
    expect(ok("1.3.0-rc.1", ">=1.2.0")).toBe(false);
    expect(ok("1.3.0-rc.2", ">=1.3.0-rc.1")).toBe(true);
    expect(ok("1.3.0-alpha", ">=1.3.0-rc.1")).toBe(false);
  });

  it("refuses what it cannot read instead of guessing", () => {
    expect(() => ok("1.0.0", "latest")).toThrow(RangeSyntaxError);
    expect(() => ok("1.0.0", "workspace:*")).toThrow(RangeSyntaxError);
    expect(parseVersion("1.2")).toBeNull();
    expect(parseVersion("01.2.3")).toBeNull();
  });
});
