import { describe, expect, it } from "vitest";
import { ArtifactTree, checkArtifact } from "./artifact-check.js";
import { validateManifest } from "./manifest.js";
import { validManifest } from "./testing/fixtures/manifest.js";
import { sha256, sha512 } from "./hash.js";
import { utf8 } from "./encoding.js";

const manifest = validateManifest(validManifest());
const readme = { size: 10, sha256: sha256(utf8("readme")), exec: false };
const index = { size: 1234, sha256: sha256(utf8("index")), exec: false };

describe("checkArtifact", () => {
  it("accepts the signed size and digest", () => {
    expect(() => { checkArtifact(manifest.artifact, { size: 48213, sha512: sha512(utf8("tarball")) }); }).not.toThrow();
  });
  it("rejects another size or digest (REGISTRY_DIGEST_MISMATCH)", () => {
    for (const actual of [
      { size: 48214, sha512: sha512(utf8("tarball")) },
      { size: 48213, sha512: sha512(utf8("tarbalL")) },
      { size: 48213, sha512: sha512(utf8("tarball")).subarray(1) },
    ]) {
      expect(() => { checkArtifact(manifest.artifact, actual); }).toThrow(expect.objectContaining({ code: "REGISTRY_DIGEST_MISMATCH" }));
    }
  });
});

describe("ArtifactTree", () => {
  it("accepts exactly the signed files", () => {
    const tree = new ArtifactTree(manifest.files);
    expect(tree.expected("package/index.js")?.size).toBe(1234);
    tree.check("package/index.js", index);
    tree.check("package/README.md", readme);
    expect(() => { tree.finish(); }).not.toThrow();
  });
  it.each([
    ["an extra file", "package/extra.js", index],
    ["a resized file", "package/index.js", { ...index, size: 1235 }],
    ["an altered file", "package/index.js", { ...index, sha256: sha256(utf8("evil")) }],
    ["a changed exec bit", "package/index.js", { ...index, exec: true }],
  ])("rejects %s (REGISTRY_TREE_MISMATCH)", (_name, path, actual) => {
    const tree = new ArtifactTree(manifest.files);
    expect(() => { tree.check(path, actual); }).toThrow(expect.objectContaining({ code: "REGISTRY_TREE_MISMATCH", path }));
  });
  it("rejects a duplicate and a missing file", () => {
    const tree = new ArtifactTree(manifest.files);
    tree.check("package/index.js", index);
    expect(() => { tree.check("package/index.js", index); }).toThrow(expect.objectContaining({ code: "REGISTRY_TREE_MISMATCH" }));
    expect(() => { tree.finish(); }).toThrow(expect.objectContaining({ code: "REGISTRY_TREE_MISMATCH", path: "package/README.md" }));
  });
});
