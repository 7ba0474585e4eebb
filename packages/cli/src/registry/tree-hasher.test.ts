import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bytesEqual, emptyRoot, leafHash, merkleRoot } from "@agentgov/registry-protocol";
import { TreeHasher } from "./tree-hasher.js";

describe("TreeHasher", () => {
  it("the empty tree has the RFC 6962 empty root", () => {
    expect(bytesEqual(new TreeHasher().root(), emptyRoot())).toBe(true);
  });

  it("equals the reference MTH at every prefix of any leaf sequence", () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 70 }), (datas) => {
      const leaves = datas.map((d) => leafHash(d));
      const tree = new TreeHasher();
      for (const [i, leaf] of leaves.entries()) {
        tree.append(leaf);
        expect(tree.size).toBe(i + 1);
        expect(bytesEqual(tree.root(), merkleRoot(leaves.slice(0, i + 1)))).toBe(true);
      }
    }), { numRuns: 60 });
  });

  it("a changed leaf changes the root", () => {
    const leaves = Array.from({ length: 13 }, (_, i) => leafHash(Uint8Array.of(i)));
    const a = new TreeHasher();
    const b = new TreeHasher();
    leaves.forEach((leaf, i) => { a.append(leaf); b.append(i === 6 ? leafHash(Uint8Array.of(99)) : leaf); });
    expect(bytesEqual(a.root(), b.root())).toBe(false);
  });
});
