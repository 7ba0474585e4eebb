/**
 * Class 10 at the registry (REGISTRY.md §11): the log's proofs and checkpoints verify with the
 * protocol verifiers, and every tampering (wrong index, size or leaf; truncated or extended
 * path; changed checkpoint size, root, key hash, key or origin; tampered consistency proof)
 * is refused by them. Out-of-range proof requests are 400.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  entryLeafHash, fromBase64, generateKeyPair, openCheckpoint, verifyConsistency, verifyInclusion, type Checkpoint,
} from "@agentgov/registry-protocol";
import { call, createPublisher, packPlugin, publishPlugin, startRegistry, type TestRegistry } from "../testing/harness.js";

let reg: TestRegistry;
let note: string;
let cp: Checkpoint;
let entries: unknown[];

function b64(text: string): Uint8Array {
  return fromBase64(text) ?? new Uint8Array();
}

async function inclusion(index: number, size: number): Promise<{ leafIndex: number; treeSize: number; hashes: Uint8Array[] }> {
  const proof = (await call(reg, "GET", `/v1/log/proof/inclusion?index=${index}&size=${size}`)).json() as { leafIndex: number; treeSize: number; hashes: string[] };
  return { ...proof, hashes: proof.hashes.map(b64) };
}

beforeAll(async () => {
  reg = await startRegistry();
  const acme = await createPublisher(reg, "acme");
  for (let i = 0; i < 6; i++) {
    expect((await publishPlugin(reg, await packPlugin({ name: "@acme/l", version: `1.0.${i}`, publisher: "acme" }, [acme.key]), acme.token)).status).toBe(201);
  }
  note = (await call(reg, "GET", "/v1/log/checkpoint")).text;
  cp = openCheckpoint(note, { origin: reg.origin, publicKey: reg.server.context.signers.log.publicKey });
  entries = ((await call(reg, "GET", `/v1/log/entries?start=0&end=${cp.size}`)).json() as { entries: unknown[] }).entries;
});
afterAll(async () => { await reg.close(); });

describe("inclusion proofs", () => {
  it("verify for the right leaf and fail for the wrong index, size, leaf or path", async () => {
    const proof = await inclusion(3, cp.size);
    const leaf = entryLeafHash(entries[3]);
    expect(verifyInclusion(leaf, proof, cp.rootHash)).toBe(true);
    expect(verifyInclusion(leaf, { ...proof, leafIndex: 2 }, cp.rootHash)).toBe(false);
    expect(verifyInclusion(leaf, { ...proof, treeSize: 3 }, cp.rootHash)).toBe(false);
    expect(verifyInclusion(leaf, { ...proof, treeSize: cp.size * 4 }, cp.rootHash)).toBe(false);
    expect(verifyInclusion(entryLeafHash(entries[4]), proof, cp.rootHash)).toBe(false);
    expect(verifyInclusion(leaf, { ...proof, hashes: proof.hashes.slice(0, -1) }, cp.rootHash)).toBe(false);
    expect(verifyInclusion(leaf, { ...proof, hashes: [...proof.hashes, new Uint8Array(32)] }, cp.rootHash)).toBe(false);
    const flipped = proof.hashes.map((h, i) => (i === 0 ? Uint8Array.from(h, (b, j) => (j === 0 ? b ^ 1 : b)) : h));
    expect(verifyInclusion(leaf, { ...proof, hashes: flipped }, cp.rootHash)).toBe(false);
  });

  it("an absent entry or a size beyond the log is 400", async () => {
    expect((await call(reg, "GET", `/v1/log/proof/inclusion?index=${cp.size}&size=${cp.size}`)).status).toBe(400);
    expect((await call(reg, "GET", `/v1/log/proof/inclusion?index=0&size=${cp.size + 1}`)).status).toBe(400);
    expect((await call(reg, "GET", "/v1/log/proof/inclusion?index=0")).status).toBe(400);
  });
});

describe("consistency proofs", () => {
  it("verify between sizes and fail when tampered", async () => {
    const from = 3;
    const fromRoot = await (async () => {
      const proof = (await call(reg, "GET", `/v1/log/proof/consistency?from=${from}&to=${cp.size}`)).json() as { firstSize: number; secondSize: number; hashes: string[] };
      return { ...proof, hashes: proof.hashes.map(b64) };
    })();
    const { merkleRoot } = await import("@agentgov/registry-protocol");
    const oldRoot = merkleRoot(entries.slice(0, from).map((e) => entryLeafHash(e)));
    expect(verifyConsistency(fromRoot, oldRoot, cp.rootHash)).toBe(true);
    expect(verifyConsistency({ ...fromRoot, hashes: fromRoot.hashes.slice(1) }, oldRoot, cp.rootHash)).toBe(false);
    expect(verifyConsistency({ ...fromRoot, firstSize: from + 1 }, oldRoot, cp.rootHash)).toBe(false);
    expect(verifyConsistency(fromRoot, new Uint8Array(32), cp.rootHash)).toBe(false);
    expect((await call(reg, "GET", `/v1/log/proof/consistency?from=${cp.size + 1}&to=${cp.size}`)).status).toBe(400);
    expect((await call(reg, "GET", `/v1/log/proof/consistency?from=1&to=${cp.size + 1}`)).status).toBe(400);
  });
});

describe("checkpoints", () => {
  const open = (text: string, origin = reg.origin, publicKey = reg.server.context.signers.log.publicKey): Checkpoint =>
    openCheckpoint(text, { origin, publicKey });

  it("refuse a changed size, root or key hash, a wrong key and a wrong origin", () => {
    const lines = note.split("\n");
    const withLine = (i: number, value: string): string => lines.map((l, j) => (j === i ? value : l)).join("\n");
    expect(() => open(withLine(1, String(cp.size + 1)))).toThrow(expect.objectContaining({ code: "REGISTRY_LOG_PROOF_INVALID" }) as Error);
    expect(() => open(withLine(2, Buffer.alloc(32, 1).toString("base64")))).toThrow(expect.objectContaining({ code: "REGISTRY_LOG_PROOF_INVALID" }) as Error);
    const sigLine = lines[5] ?? "";
    const blob = Buffer.from(sigLine.split(" ")[2] ?? "", "base64");
    blob[0] = (blob[0] ?? 0) ^ 1;
    expect(() => open(withLine(5, `${sigLine.split(" ").slice(0, 2).join(" ")} ${blob.toString("base64")}`))).toThrow(expect.objectContaining({ code: "REGISTRY_LOG_PROOF_INVALID" }) as Error);
    expect(() => open(note, reg.origin, generateKeyPair().publicKey)).toThrow(expect.objectContaining({ code: "REGISTRY_LOG_PROOF_INVALID" }) as Error);
    expect(() => open(note, "other.example/log")).toThrow(expect.objectContaining({ code: "REGISTRY_LOG_PROOF_INVALID" }) as Error);
    expect(() => open(note, reg.origin, reg.server.context.signers.index.publicKey)).toThrow(expect.objectContaining({ code: "REGISTRY_LOG_PROOF_INVALID" }) as Error);
  });

  it("cover every entry the log serves, and entries pages are bounded", async () => {
    expect(entries).toHaveLength(cp.size);
    expect((entries[0] as { kind: string }).kind).toBe("bind");
    expect((await call(reg, "GET", `/v1/log/entries?start=0&end=${cp.size + 1}`)).status).toBe(400);
    expect((await call(reg, "GET", "/v1/log/entries?start=2&end=2")).status).toBe(400);
  });
});
