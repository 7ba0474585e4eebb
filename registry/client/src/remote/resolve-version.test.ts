/** Version resolution against an index (REGISTRY.md §4.7) and the semver helpers. */
import { describe, expect, it } from "vitest";
import type { IndexVersion, PackageIndex, VersionStatus } from "@agentgov/registry-protocol";
import { resolveVersion } from "./resolve-version.js";
import semverCompare from "./semver-compare.js";

function index(versions: Record<string, VersionStatus>, distTags: Record<string, string> = {}): PackageIndex {
  const entries: Record<string, IndexVersion> = {};
  let i = 0;
  for (const [v, status] of Object.entries(versions)) {
    entries[v] = status === "unsigned"
      ? { sha512: "a".repeat(128), size: 1, keyids: [], logIndex: i++, status }
      : { sha512: "a".repeat(128), size: 1, keyids: [`ed25519:${"b".repeat(64)}`], logIndex: i++, status, manifestSha256: "c".repeat(64) };
  }
  return {
    _type: "agentgov/index/v1", name: "@acme/x", indexVersion: 1, issuedAt: "2026-11-21T00:00:00Z", expires: "2026-11-22T00:00:00Z",
    checkpoint: { size: 1, root: Buffer.alloc(32).toString("base64") }, distTags, keys: [], versions: entries,
  };
}

describe("resolveVersion", () => {
  const idx = index({ "1.0.0": "active", "1.1.0": "yanked", "1.2.0-rc.1": "active", "1.3.0": "blocked", "2.0.0": "unsigned" }, { latest: "1.1.0", next: "1.0.0" });

  it("picks the highest active release in a range, skipping yanked, blocked and prereleases", () => {
    expect(resolveVersion(idx, "^1.0.0").version).toBe("1.0.0");
  });
  it("installs a yanked version only by exact pin, with a warning", () => {
    expect(resolveVersion(idx, "1.1.0")).toMatchObject({ version: "1.1.0", warning: expect.stringMatching(/yanked/) as unknown });
  });
  it("never resolves a blocked version", () => {
    expect(() => resolveVersion(idx, "1.3.0")).toThrow(expect.objectContaining({ code: "REGISTRY_VERSION_UNAVAILABLE" }));
  });
  it("needs opting in for a prerelease and never picks one for a range", () => {
    expect(() => resolveVersion(idx, "1.2.0-rc.1")).toThrow(expect.objectContaining({ code: "REGISTRY_VERSION_UNAVAILABLE" }));
    expect(resolveVersion(idx, "1.2.0-rc.1", { prerelease: true }).version).toBe("1.2.0-rc.1");
  });
  it("refuses unsigned versions unless allowed", () => {
    expect(() => resolveVersion(idx, "^2.0.0")).toThrow(expect.objectContaining({ code: "REGISTRY_UNSIGNED" }));
    expect(() => resolveVersion(idx, "2.0.0")).toThrow(expect.objectContaining({ code: "REGISTRY_UNSIGNED" }));
    expect(resolveVersion(idx, "^2.0.0", { allowUnsigned: true }).version).toBe("2.0.0");
  });
  it("follows a dist-tag only to an active version", () => {
    expect(() => resolveVersion(idx, "latest")).toThrow(expect.objectContaining({ code: "REGISTRY_VERSION_UNAVAILABLE" }));
    expect(resolveVersion(idx, "next").version).toBe("1.0.0");
  });
  it("rejects malformed ranges", () => {
    expect(() => resolveVersion(idx, "^1 || ^2 ||".repeat(10))).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
  });
});

describe("semverCompare", () => {
  it("orders by semver precedence", () => {
    expect(semverCompare.lt("1.0.0", "1.0.1")).toBe(true);
    expect(semverCompare.lt("1.10.0", "1.9.0")).toBe(false);
    expect(semverCompare.lt("1.0.0-rc.1", "1.0.0")).toBe(true);
    expect(semverCompare.lt("1.0.0-rc.2", "1.0.0-rc.10")).toBe(true);
    expect(semverCompare.lt("1.0.0-alpha", "1.0.0-1")).toBe(false);
    expect(semverCompare.lt("1.0.0", "1.0.0")).toBe(false);
  });
  it("tests range satisfaction", () => {
    expect(semverCompare.satisfies("1.3.0", "^1.2.0")).toBe(true);
    expect(semverCompare.satisfies("2.0.0", "^1.2.0")).toBe(false);
    expect(semverCompare.satisfies("1.2.0", "1.2.0")).toBe(true);
  });
});
