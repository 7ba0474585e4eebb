import { describe, expect, it } from "vitest";
import { checkIndexUpdate, resolveDistTag, validatePackageIndex, type PackageIndex } from "./package-index.js";
import { generateKeyPair } from "./ed25519.js";
import { sha256 } from "./hash.js";
import { toBase64, utf8 } from "./encoding.js";
import { isRegistryError } from "./errors.js";

const keyid = generateKeyPair().keyid;
const signed = { manifestSha256: "a".repeat(64), sha512: "b".repeat(128), size: 48213, keyids: [keyid], logIndex: 1201, status: "active" };
const index = (): PackageIndex => JSON.parse(JSON.stringify({
  _type: "agentgov/index/v1", name: "@acme/web-search", indexVersion: 42, issuedAt: "2026-11-21T05:00:00Z", expires: "2026-11-28T05:00:00Z",
  checkpoint: { size: 1202, root: toBase64(sha256(utf8("root"))) }, distTags: { latest: "1.4.2", next: "1.5.0-rc.1", old: "1.0.0" },
  keys: [{ keyid, boundAt: 17, revokedAt: 900, compromisedSince: 880 }],
  versions: {
    "1.4.2": signed, "1.5.0-rc.1": { ...signed, logIndex: 1300 }, "1.0.0": { ...signed, status: "yanked" },
    "0.9.0": { sha512: "c".repeat(128), size: 10, keyids: [], logIndex: 5, status: "unsigned" },
  },
})) as PackageIndex;

function failure(fn: () => unknown): [string, string | undefined] | undefined {
  try {
    fn();
  } catch (error) {
    if (isRegistryError(error)) return [error.code, error.path];
    throw error;
  }
  return undefined;
}

describe("validatePackageIndex", () => {
  it("accepts the §4.9 example", () => {
    expect(validatePackageIndex(index())).toEqual(index());
    expect(validatePackageIndex({ ...index(), registry: "registry.example.com/log" }).registry).toBe("registry.example.com/log");
  });
  it.each([
    ["expiry over 7 days", (i: PackageIndex) => { i.expires = "2026-11-28T05:00:01Z"; }, "expires"],
    ["expiry before issue", (i: PackageIndex) => { i.expires = i.issuedAt; }, "expires"],
    ["indexVersion 0", (i: PackageIndex) => { i.indexVersion = 0; }, "indexVersion"],
    ["short root", (i: PackageIndex) => { i.checkpoint.root = toBase64(new Uint8Array(31)); }, "checkpoint.root"],
    ["bad tag name", (i: PackageIndex) => { i.distTags = { "1.0": "1.0.0" }; }, "distTags.1.0"],
    ["tag on a non-version", (i: PackageIndex) => { i.distTags = { latest: "^1" }; }, "distTags.latest"],
    ["non-canonical version key", (i: PackageIndex) => { i.versions = { "v1.0.0": signed as never }; }, "versions.v1.0.0"],
    ["unknown status", (i: PackageIndex) => { (i.versions["1.4.2"] as { status: string }).status = "deleted"; }, "versions.1.4.2.status"],
    ["signed without keyids", (i: PackageIndex) => { i.versions["1.4.2"]!.keyids = []; }, "versions.1.4.2"],
    ["unsigned with keyids", (i: PackageIndex) => { i.versions["0.9.0"]!.keyids = [keyid]; }, "versions.0.9.0"],
    ["compromisedSince after revokedAt", (i: PackageIndex) => { i.keys[0]!.compromisedSince = 901; }, "keys[0].compromisedSince"],
    ["compromisedSince without revocation", (i: PackageIndex) => { delete i.keys[0]!.revokedAt; }, "keys[0].compromisedSince"],
    ["revokedAt before boundAt", (i: PackageIndex) => { i.keys[0]!.revokedAt = 3; delete i.keys[0]!.compromisedSince; }, "keys[0].revokedAt"],
    ["unknown field", (i: PackageIndex) => { (i as unknown as Record<string, unknown>).extra = 1; }, "extra"],
    ["bad name", (i: PackageIndex) => { i.name = "X"; }, "name"],
  ])("rejects %s", (_name, mutate, path) => {
    const value = index();
    mutate(value);
    expect(failure(() => validatePackageIndex(value))).toEqual(["REGISTRY_REQUEST_INVALID", path]);
  });
});

describe("resolveDistTag", () => {
  it("follows a tag only to an active version", () => {
    const value = index();
    expect(resolveDistTag(value, "latest")).toBe("1.4.2");
    expect(resolveDistTag(value, "next")).toBe("1.5.0-rc.1");
    expect(resolveDistTag(value, "old")).toBeUndefined();
    expect(resolveDistTag({ ...value, distTags: { latest: "9.9.9" } }, "latest")).toBeUndefined();
    expect(resolveDistTag(value, "missing")).toBeUndefined();
    expect(resolveDistTag(value, "constructor")).toBeUndefined();
  });
});

describe("checkIndexUpdate (§11.7)", () => {
  const now = Date.parse("2026-11-22T00:00:00Z") / 1000;
  const digest = sha256(utf8("index"));
  const previous = { indexVersion: 42, digest, versions: ["1.4.2", "1.0.0"] };
  it("accepts a first index, the same index, and a newer one", () => {
    expect(failure(() => { checkIndexUpdate(index(), digest, now); })).toBeUndefined();
    expect(failure(() => { checkIndexUpdate(index(), digest, now, previous); })).toBeUndefined();
    expect(failure(() => { checkIndexUpdate({ ...index(), indexVersion: 43 }, sha256(), now, previous); })).toBeUndefined();
  });
  it("rejects a lower indexVersion, other bytes at the same version, and a shrunken version set", () => {
    expect(failure(() => { checkIndexUpdate({ ...index(), indexVersion: 41 }, digest, now, previous); })?.[0]).toBe("REGISTRY_ROLLBACK");
    expect(failure(() => { checkIndexUpdate(index(), sha256(), now, previous); })?.[0]).toBe("REGISTRY_LOG_FORK");
    expect(failure(() => { checkIndexUpdate({ ...index(), indexVersion: 43 }, sha256(), now, { ...previous, versions: ["2.0.0"] }); })?.[0]).toBe("REGISTRY_ROLLBACK");
  });
  it("rejects an expired index", () => {
    expect(failure(() => { checkIndexUpdate(index(), digest, Date.parse("2026-11-28T05:00:00Z") / 1000); })?.[0]).toBe("REGISTRY_STALE");
  });
});
