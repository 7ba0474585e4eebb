import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  consistencyProof, entryLeafHash, inclusionProof, merkleRoot, verifyConsistency, verifyInclusion, type LogEntry,
} from "@agentgov/registry-protocol";
import { SqliteMetaStore } from "../storage/sqlite-meta-store.js";
import { appendEntry, consistencyProofAt, inclusionProofAt, treeRoot } from "./merkle-log.js";

const N = 37;
let store: SqliteMetaStore;
const leaves: Uint8Array[] = [];

function entry(i: number): LogEntry {
  return { _type: "agentgov/log-entry/v1", kind: "bind", publisher: `p${i}`, keyids: [`ed25519:${"a".repeat(64)}`], integratedAt: "2026-11-21T05:00:00Z" };
}

beforeAll(async () => {
  store = new SqliteMetaStore(join(await mkdtemp(join(tmpdir(), "agentgov-log-")), "db.sqlite"));
  for (let i = 0; i < N; i++) {
    const { index, leafHash } = await store.transaction((tx) => appendEntry(tx, entry(i)));
    expect(index).toBe(i);
    expect(leafHash).toEqual(entryLeafHash(entry(i)));
    leaves.push(leafHash);
  }
});
afterAll(() => { store.close(); });

describe("merkle log over the store", () => {
  it("computes the same roots as the protocol's reference tree for every size", async () => {
    for (let size = 0; size <= N; size++) {
      expect(await store.read((r) => treeRoot(r, size))).toEqual(merkleRoot(leaves.slice(0, size)));
    }
  });

  it("answers inclusion proofs equal to the reference ones, which verify", async () => {
    for (const size of [1, 2, 3, 7, 8, 9, 16, 17, N]) {
      const root = merkleRoot(leaves.slice(0, size));
      for (let i = 0; i < size; i++) {
        const proof = await store.read((r) => inclusionProofAt(r, i, size));
        expect(proof).toEqual(inclusionProof(leaves.slice(0, size), i));
        expect(verifyInclusion(leaves[i] as Uint8Array, proof, root)).toBe(true);
        expect(verifyInclusion(leaves[(i + 1) % size] as Uint8Array, proof, root) && size > 1).toBe(false);
      }
    }
  });

  it("answers consistency proofs equal to the reference ones, which verify", async () => {
    for (let to = 1; to <= N; to += 3) {
      for (let from = 0; from <= to; from++) {
        const proof = await store.read((r) => consistencyProofAt(r, from, to));
        expect(proof).toEqual(consistencyProof(leaves.slice(0, to), from));
        if (from > 0) expect(verifyConsistency(proof, merkleRoot(leaves.slice(0, from)), merkleRoot(leaves.slice(0, to)))).toBe(true);
      }
    }
  });

  it("refuses sizes and indices outside the log", async () => {
    await expect(store.read((r) => treeRoot(r, N + 1))).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
    await expect(store.read((r) => inclusionProofAt(r, 5, 5))).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
    await expect(store.read((r) => consistencyProofAt(r, 6, 5))).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
  });

  it("fails closed on a missing interior node", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "agentgov-log-")), "db.sqlite");
    const broken = new SqliteMetaStore(path);
    try {
      await broken.transaction(async (tx) => { await appendEntry(tx, entry(0)); await appendEntry(tx, entry(1)); });
      const Database = (await import("better-sqlite3")).default;
      const db = new Database(path);
      db.prepare("DELETE FROM log_nodes WHERE level = 1").run();
      db.close();
      await expect(broken.read((r) => treeRoot(r, 2))).rejects.toMatchObject({ code: "REGISTRY_STORE_CORRUPT" });
      await expect(broken.transaction((tx) => appendEntry(tx, entry(2)).then(() => appendEntry(tx, entry(3)))))
        .rejects.toMatchObject({ code: "REGISTRY_STORE_CORRUPT" });
    } finally {
      broken.close();
    }
  });
});
