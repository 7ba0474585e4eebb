import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHash } from "node:crypto";
import {
  assertConsistency, assertInclusion, emptyRoot, entryLeafHash, leafHash, nodeHash, rootFromInclusionProof,
  verifyConsistency, verifyInclusion,
} from "./merkle.js";
import { consistencyProof, inclusionProof, merkleRoot } from "./merkle-tree.js";
import { fromHex, toHex } from "./encoding.js";
import { canonicalBytes } from "./canonical-json.js";

const hex = (text: string): Uint8Array => fromHex(text)!;

// The Certificate Transparency / RFC 6962 test leaves and the roots of their prefixes.
const LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(hex);
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const HASHES = LEAVES.map(leafHash);

/** Independent naive MTH: hash pairs level by level, promoting a lone last node. */
function naiveRoot(leaves: readonly Uint8Array[]): string {
  const h = (...parts: Uint8Array[]): Buffer => {
    const hash = createHash("sha256");
    for (const p of parts) hash.update(p);
    return hash.digest();
  };
  if (leaves.length === 0) return h().toString("hex");
  let level: Buffer[] = leaves.map((l) => h(Uint8Array.of(0), l));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      next.push(right === undefined ? level[i]! : h(Uint8Array.of(1), level[i]!, right));
    }
    level = next;
  }
  return level[0]!.toString("hex");
}

function flipped(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[(bit >> 3) % out.length] = (out[(bit >> 3) % out.length] ?? 0) ^ (1 << (bit & 7));
  return out;
}

describe("hashing known answers (RFC 6962)", () => {
  it("empty tree root is SHA-256 of nothing", () => {
    expect(toHex(emptyRoot())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(toHex(merkleRoot([]))).toBe(toHex(emptyRoot()));
  });
  it.each(ROOTS.map((root, i) => [i + 1, root] as const))("root of the first %i test leaves", (n, root) => {
    expect(toHex(merkleRoot(HASHES.slice(0, n)))).toBe(root);
    expect(naiveRoot(LEAVES.slice(0, n))).toBe(root);
  });
  it("leaf and node hashes are domain-separated", () => {
    const a = leafHash(Uint8Array.of(1));
    expect(toHex(leafHash(new Uint8Array()))).toBe(ROOTS[0]);
    expect(toHex(nodeHash(a, a))).not.toBe(toHex(leafHash(Uint8Array.of(...a, ...a))));
  });
  it("entryLeafHash hashes the canonical JSON of the entry", () => {
    expect(entryLeafHash({ b: 1, a: 2 })).toEqual(leafHash(canonicalBytes({ a: 2, b: 1 })));
  });
});

describe("inclusion proofs", () => {
  it("matches the CT audit path of leaf 0 in the 8-leaf tree", () => {
    const proof = inclusionProof(HASHES, 0);
    expect(proof.hashes.map(toHex)).toEqual([
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]);
    expect(verifyInclusion(HASHES[0]!, proof, hex(ROOTS[7]!))).toBe(true);
  });
  it("verifies every leaf of every prefix of the test tree", () => {
    for (let n = 1; n <= 8; n++) {
      for (let i = 0; i < n; i++) {
        expect(verifyInclusion(HASHES[i]!, inclusionProof(HASHES.slice(0, n), i), hex(ROOTS[n - 1]!))).toBe(true);
      }
    }
  });
  it("a single-leaf tree has an empty path", () => {
    expect(verifyInclusion(HASHES[0]!, { leafIndex: 0, treeSize: 1, hashes: [] }, hex(ROOTS[0]!))).toBe(true);
  });
  it("rejects the wrong index, size, leaf, truncated or extended paths (§11.10)", () => {
    const proof = inclusionProof(HASHES, 5);
    const root = hex(ROOTS[7]!);
    expect(verifyInclusion(HASHES[5]!, proof, root)).toBe(true);
    expect(verifyInclusion(HASHES[5]!, { ...proof, leafIndex: 4 }, root)).toBe(false);
    // Size 7 has the same path shape for leaf 5, so only sizes that change the shape are refused here;
    // callers always take size and root together from one verified checkpoint.
    expect(verifyInclusion(HASHES[5]!, { ...proof, treeSize: 6 }, root)).toBe(false);
    expect(verifyInclusion(HASHES[5]!, { ...proof, treeSize: 9 }, root)).toBe(false);
    expect(verifyInclusion(HASHES[4]!, proof, root)).toBe(false);
    expect(verifyInclusion(HASHES[5]!, { ...proof, hashes: proof.hashes.slice(0, -1) }, root)).toBe(false);
    expect(verifyInclusion(HASHES[5]!, { ...proof, hashes: [...proof.hashes, HASHES[0]!] }, root)).toBe(false);
    expect(verifyInclusion(HASHES[5]!, proof, hex(ROOTS[6]!))).toBe(false);
  });
  it("rejects malformed inputs without throwing", () => {
    const proof = inclusionProof(HASHES, 1);
    const root = hex(ROOTS[7]!);
    for (const bad of [
      { ...proof, leafIndex: -1 }, { ...proof, leafIndex: 8 }, { ...proof, leafIndex: 1.5 }, { ...proof, treeSize: 0 },
      { ...proof, treeSize: Number.MAX_SAFE_INTEGER + 1 }, { ...proof, hashes: [new Uint8Array(31), ...proof.hashes.slice(1)] },
      { ...proof, hashes: Array.from({ length: 65 }, () => HASHES[0]!) },
    ]) {
      expect(verifyInclusion(HASHES[1]!, bad, root)).toBe(false);
    }
    expect(verifyInclusion(new Uint8Array(31), proof, root)).toBe(false);
    expect(verifyInclusion(HASHES[1]!, proof, root.subarray(1))).toBe(false);
    expect(rootFromInclusionProof(HASHES[1]!, { ...proof, leafIndex: 9 })).toBeUndefined();
  });
  it("handles tree sizes beyond 32 bits", () => {
    // The last leaf of a 2^40 + 1 tree: its path is one hash, the root of the first 2^40 leaves.
    const left = HASHES[7]!;
    const proof = { leafIndex: 2 ** 40, treeSize: 2 ** 40 + 1, hashes: [left] };
    expect(verifyInclusion(HASHES[0]!, proof, nodeHash(left, HASHES[0]!))).toBe(true);
    expect(verifyInclusion(HASHES[0]!, { ...proof, treeSize: 2 ** 40 + 2 }, nodeHash(left, HASHES[0]!))).toBe(false);
  });
  it("assertInclusion throws REGISTRY_LOG_PROOF_INVALID", () => {
    const proof = inclusionProof(HASHES, 2);
    expect(() => { assertInclusion(HASHES[2]!, proof, hex(ROOTS[7]!)); }).not.toThrow();
    expect(() => { assertInclusion(HASHES[3]!, proof, hex(ROOTS[7]!)); }).toThrow(expect.objectContaining({ code: "REGISTRY_LOG_PROOF_INVALID" }));
  });
  it("the builder refuses an index outside the tree", () => {
    expect(() => inclusionProof(HASHES, 8)).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
  });
});

describe("consistency proofs", () => {
  it.each([
    [1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
    [6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
    [2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
  ])("matches the CT vector %i → %i", (m, n, expected) => {
    const proof = consistencyProof(HASHES.slice(0, n), m);
    expect(proof.hashes.map(toHex)).toEqual(expected);
    expect(verifyConsistency(proof, hex(ROOTS[m - 1]!), hex(ROOTS[n - 1]!))).toBe(true);
  });
  it("verifies every pair of prefixes of the test tree", () => {
    for (let n = 1; n <= 8; n++) {
      for (let m = 1; m <= n; m++) {
        expect(verifyConsistency(consistencyProof(HASHES.slice(0, n), m), hex(ROOTS[m - 1]!), hex(ROOTS[n - 1]!))).toBe(true);
      }
    }
  });
  it("handles the edge cases: equal sizes, empty first tree, empty proof", () => {
    const r8 = hex(ROOTS[7]!);
    expect(verifyConsistency({ firstSize: 8, secondSize: 8, hashes: [] }, r8, r8)).toBe(true);
    expect(verifyConsistency({ firstSize: 8, secondSize: 8, hashes: [] }, hex(ROOTS[6]!), r8)).toBe(false);
    expect(verifyConsistency({ firstSize: 8, secondSize: 8, hashes: [HASHES[0]!] }, r8, r8)).toBe(false);
    expect(verifyConsistency({ firstSize: 0, secondSize: 8, hashes: [] }, emptyRoot(), r8)).toBe(true);
    expect(verifyConsistency({ firstSize: 0, secondSize: 8, hashes: [HASHES[0]!] }, emptyRoot(), r8)).toBe(false);
    expect(verifyConsistency({ firstSize: 3, secondSize: 8, hashes: [] }, hex(ROOTS[2]!), r8)).toBe(false);
    expect(verifyConsistency({ firstSize: 9, secondSize: 8, hashes: [] }, r8, r8)).toBe(false);
  });
  it("rejects a tampered, truncated or extended proof and swapped roots (§11.10)", () => {
    const proof = consistencyProof(HASHES, 3);
    const [r3, r8] = [hex(ROOTS[2]!), hex(ROOTS[7]!)];
    expect(verifyConsistency(proof, r3, r8)).toBe(true);
    expect(verifyConsistency({ ...proof, hashes: proof.hashes.slice(1) }, r3, r8)).toBe(false);
    expect(verifyConsistency({ ...proof, hashes: [...proof.hashes, HASHES[0]!] }, r3, r8)).toBe(false);
    expect(verifyConsistency({ ...proof, hashes: [flipped(proof.hashes[0]!, 0), ...proof.hashes.slice(1)] }, r3, r8)).toBe(false);
    expect(verifyConsistency(proof, r8, r3)).toBe(false);
    expect(verifyConsistency({ ...proof, firstSize: 4 }, r3, r8)).toBe(false);
    expect(verifyConsistency(proof, r3, r8.subarray(1))).toBe(false);
    expect(verifyConsistency({ ...proof, hashes: Array.from({ length: 65 }, () => HASHES[0]!) }, r3, r8)).toBe(false);
  });
  it("assertConsistency throws REGISTRY_LOG_FORK", () => {
    const proof = consistencyProof(HASHES, 3);
    expect(() => { assertConsistency(proof, hex(ROOTS[2]!), hex(ROOTS[7]!)); }).not.toThrow();
    expect(() => { assertConsistency(proof, hex(ROOTS[3]!), hex(ROOTS[7]!)); }).toThrow(expect.objectContaining({ code: "REGISTRY_LOG_FORK" }));
  });
  it("the builder refuses a size outside the tree", () => {
    expect(() => consistencyProof(HASHES, 9)).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
  });
});

describe("properties over random trees", () => {
  const leaves = fc.array(fc.uint8Array({ maxLength: 8 }), { minLength: 1, maxLength: 70 });

  it("the reference root equals the naive root", () => {
    fc.assert(fc.property(leaves, (data) => {
      expect(toHex(merkleRoot(data.map(leafHash)))).toBe(naiveRoot(data));
    }));
  });
  it("every inclusion proof verifies; any flipped bit in leaf, path or root fails", () => {
    fc.assert(fc.property(leaves, fc.nat(), fc.nat(), (data, pick, bit) => {
      const hashes = data.map(leafHash);
      const index = pick % hashes.length;
      const root = merkleRoot(hashes);
      const proof = inclusionProof(hashes, index);
      expect(verifyInclusion(hashes[index]!, proof, root)).toBe(true);
      expect(verifyInclusion(flipped(hashes[index]!, bit), proof, root)).toBe(false);
      expect(verifyInclusion(hashes[index]!, proof, flipped(root, bit))).toBe(false);
      if (proof.hashes.length > 0) {
        const at = bit % proof.hashes.length;
        const tampered = proof.hashes.map((h, i) => (i === at ? flipped(h, bit) : h));
        expect(verifyInclusion(hashes[index]!, { ...proof, hashes: tampered }, root)).toBe(false);
      }
    }));
  });
  it("every consistency proof verifies; any flipped bit fails", () => {
    fc.assert(fc.property(leaves, fc.nat(), fc.nat(), (data, pick, bit) => {
      const hashes = data.map(leafHash);
      const m = 1 + (pick % hashes.length);
      const proof = consistencyProof(hashes, m);
      const [first, second] = [merkleRoot(hashes.slice(0, m)), merkleRoot(hashes)];
      expect(verifyConsistency(proof, first, second)).toBe(true);
      expect(verifyConsistency(proof, flipped(first, bit), second)).toBe(false);
      expect(verifyConsistency(proof, first, flipped(second, bit))).toBe(false);
      if (proof.hashes.length > 0) {
        const at = bit % proof.hashes.length;
        const tampered = proof.hashes.map((h, i) => (i === at ? flipped(h, bit) : h));
        expect(verifyConsistency({ ...proof, hashes: tampered }, first, second)).toBe(false);
      }
    }));
  });
  it("a proof for one tree does not verify against a fork", () => {
    fc.assert(fc.property(leaves, fc.nat(), (data, pick) => {
      fc.pre(data.length >= 2);
      const hashes = data.map(leafHash);
      const m = 1 + (pick % (hashes.length - 1));
      const fork = [...hashes];
      fork[m] = leafHash(Uint8Array.of(...(data[m] ?? []), 0xff));
      const proof = consistencyProof(fork, m);
      expect(verifyConsistency(proof, merkleRoot(hashes.slice(0, m)), merkleRoot(hashes))).toBe(false);
    }));
  });
});
