import { describe, expect, it } from "vitest";
import { assertCanonicalVersion, assertVersionIsNew, isCanonicalVersion, rangeProblem, selectVersion, versionProblem } from "./semver-rules.js";

describe("versions", () => {
  it.each(["1.0.0", "0.0.0", "1.4.2", "1.0.0-rc.1", "1.0.0-alpha.0.x", "9007199254740991.0.0"])("accepts %s", (v) => {
    expect(versionProblem(v)).toBeUndefined();
    expect(isCanonicalVersion(v)).toBe(true);
  });
  it.each([
    ["v prefix", "v1.0.0"], ["= prefix", "=1.0.0"], ["build metadata", "1.0.0+b"], ["leading zero", "01.0.0"],
    ["prerelease leading zero", "1.0.0-01"], ["two parts", "1.0"], ["spaces", " 1.0.0"], ["too long", `1.0.0-${"a".repeat(251)}`],
    ["major over MAX_SAFE_INTEGER", "9007199254740992.0.0"], ["prerelease number over MAX_SAFE_INTEGER", "1.0.0-9007199254740993"],
    ["number", 1], ["empty", ""],
  ])("rejects %s", (_name, v) => {
    expect(versionProblem(v)).toBeDefined();
  });
  it("assertCanonicalVersion throws REGISTRY_MANIFEST_INVALID at the path", () => {
    expect(() => { assertCanonicalVersion("1.0", "x.version"); }).toThrow(expect.objectContaining({ code: "REGISTRY_MANIFEST_INVALID", path: "x.version" }));
    expect(() => { assertCanonicalVersion("1.0.0"); }).not.toThrow();
  });
  it("assertVersionIsNew refuses a version equal under semver.eq", () => {
    expect(() => { assertVersionIsNew("1.0.0", ["0.9.0", "1.0.0"]); }).toThrow(expect.objectContaining({ code: "REGISTRY_VERSION_EXISTS" }));
    expect(() => { assertVersionIsNew("1.0.0", ["1.0.0+build"]); }).toThrow(expect.objectContaining({ code: "REGISTRY_VERSION_EXISTS" }));
    expect(() => { assertVersionIsNew("1.0.1", ["1.0.0", "garbage"]); }).not.toThrow();
  });
});

describe("dependency ranges", () => {
  it.each(["^1.2.0", "~1.2.3", "1.x", "1.2.3", "=1.2.3", ">=1.0.0 <2.0.0", "1.2.3 - 2.0.0", "<2", "^1 || ^2", ">=1 <2 || 3"])("accepts %s", (r) => {
    expect(rangeProblem(r)).toBeUndefined();
  });
  it.each([
    ["*", "*"], ["x", "x"], [">=0.0.0", ">=0.0.0"], ["latest", "latest"], ["tag", "next"], ["unbounded", ">=1.0.0"],
    ["one unbounded alternative", "^1 || >=2"], ["prerelease comparator", "^1 || >=2.0.0-0"], ["prerelease exact", "1.0.0-rc.1"],
    ["build metadata", "1.0.0+b"], ["too long", `^1.0.0 ${" ".repeat(260)}`], ["17 alternatives", Array.from({ length: 17 }, (_, i) => `${i}.0.0`).join(" || ")],
    ["empty", ""], ["garbage", "not a range"], ["number", 1],
  ])("rejects %s", (_name, r) => {
    expect(rangeProblem(r)).toBeDefined();
  });
  it("accepts 16 alternatives", () => {
    expect(rangeProblem(Array.from({ length: 16 }, (_, i) => `${i}.0.0`).join(" || "))).toBeUndefined();
  });
  it("engines ranges need not be bounded but must still be valid", () => {
    expect(rangeProblem(">=20.19.0", { bounded: false })).toBeUndefined();
    expect(rangeProblem("latest", { bounded: false })).toBeDefined();
    expect(rangeProblem(">=20.0.0-0", { bounded: false })).toBeDefined();
  });
});

describe("selectVersion", () => {
  const available = ["1.0.0", "1.2.0", "1.3.0-rc.1", "2.0.0-rc.1", "2.0.0", "3.0.0-beta.1"];
  it("selects the highest release in range", () => {
    expect(selectVersion(available, "^1.0.0")).toBe("1.2.0");
    expect(selectVersion(available, ">=1.0.0 <3.0.0")).toBe("2.0.0");
    expect(selectVersion(available, "^4.0.0")).toBeUndefined();
  });
  it("never selects a prerelease through a range (§11.17)", () => {
    expect(selectVersion(["1.0.0", "2.0.0-rc.1"], "^1 || >=2.0.0-0")).toBe("1.0.0");
    expect(selectVersion(["2.0.0-rc.1"], ">=2.0.0-0", { prerelease: true })).toBeUndefined();
    expect(selectVersion(available, "^3.0.0-0", { prerelease: true })).toBeUndefined();
  });
  it("selects a named prerelease only with the opt-in", () => {
    expect(selectVersion(available, "2.0.0-rc.1")).toBeUndefined();
    expect(selectVersion(available, "2.0.0-rc.1", { prerelease: true })).toBe("2.0.0-rc.1");
    expect(selectVersion(available, "1.0.0")).toBe("1.0.0");
    expect(selectVersion(available, "1.0.1")).toBeUndefined();
  });
  it("ignores non-canonical candidates and invalid requests", () => {
    expect(selectVersion(["v1.0.0", "1.0.0+b"], "^1.0.0")).toBeUndefined();
    expect(selectVersion(available, "latest")).toBeUndefined();
  });
});
