/**
 * Conformance suites (REGISTRY.md §6.4) that every {@link BlobStore} and {@link MetaStore}
 * implementation must pass; the SQLite and filesystem stores run them, and so must a future
 * PostgreSQL or S3 one.
 */
import { describe, expect, it } from "vitest";
import { sha512, toHex, utf8 } from "@agentgov/registry-protocol";
import type { BlobStore } from "../storage/blob-store.js";
import type { MetaStore } from "../storage/meta-store.js";

/** Registers the blob store suite for `create` (a fresh, empty store per call). */
export function blobStoreConformance(name: string, create: () => Promise<BlobStore>): void {
  const bytes = utf8("hello tarball");
  const key = toHex(sha512(bytes));
  describe(`BlobStore conformance: ${name}`, () => {
    it("stores, reports and reads back a blob", async () => {
      const blobs = await create();
      expect(await blobs.has(key)).toBe(false);
      expect(await blobs.get(key)).toBeUndefined();
      expect(await blobs.putIfAbsent(key, bytes)).toBe(true);
      expect(await blobs.has(key)).toBe(true);
      expect(await blobs.get(key)).toEqual(bytes);
    });
    it("creates a blob once: a second put reports that it existed", async () => {
      const blobs = await create();
      expect(await blobs.putIfAbsent(key, bytes)).toBe(true);
      expect(await blobs.putIfAbsent(key, bytes)).toBe(false);
    });
    it("settles racing puts with exactly one creator", async () => {
      const blobs = await create();
      const created = await Promise.all(Array.from({ length: 20 }, () => blobs.putIfAbsent(key, bytes)));
      expect(created.filter(Boolean)).toHaveLength(1);
    });
    it("refuses bytes that do not hash to the key, storing nothing", async () => {
      const blobs = await create();
      await expect(blobs.putIfAbsent(key, utf8("other"))).rejects.toMatchObject({ code: "REGISTRY_DIGEST_MISMATCH" });
      expect(await blobs.has(key)).toBe(false);
    });
    it("refuses malformed keys", async () => {
      const blobs = await create();
      for (const bad of ["../../etc/passwd", key.toUpperCase(), key.slice(1)]) {
        await expect(blobs.get(bad)).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
      }
    });
    it("purges, idempotently", async () => {
      const blobs = await create();
      await blobs.putIfAbsent(key, bytes);
      await blobs.purge(key);
      expect(await blobs.has(key)).toBe(false);
      await blobs.purge(key);
    });
  });
}

/** Registers the metadata store suite for `create` (a fresh, empty, migrated store per call). */
export function metaStoreConformance(name: string, create: () => Promise<MetaStore>): void {
  describe(`MetaStore conformance: ${name}`, () => {
    it("commits a transaction that resolves", async () => {
      const store = await create();
      try {
        await store.transaction(async (tx) => {
          await tx.insertPublisher({ id: "acme", threshold: 1, createdAt: 1 });
          expect(await tx.appendLeaf("{}", new Uint8Array(32))).toBe(0);
          expect(await tx.appendLeaf("{}", new Uint8Array(32).fill(1))).toBe(1);
        });
        expect(await store.read((r) => r.getPublisher("acme"))).toEqual({ id: "acme", threshold: 1, createdAt: 1 });
        expect(await store.read((r) => r.logSize())).toBe(2);
      } finally {
        store.close();
      }
    });
    it("rolls back everything of a transaction that rejects", async () => {
      const store = await create();
      try {
        await expect(store.transaction(async (tx) => {
          await tx.insertPublisher({ id: "acme", threshold: 1, createdAt: 1 });
          await tx.appendLeaf("{}", new Uint8Array(32));
          throw new Error("injected");
        })).rejects.toThrow("injected");
        expect(await store.read((r) => r.getPublisher("acme"))).toBeUndefined();
        expect(await store.read((r) => r.logSize())).toBe(0);
      } finally {
        store.close();
      }
    });
    it("serialises writers and hides uncommitted writes from readers", async () => {
      const store = await create();
      try {
        let release: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => { release = resolve; });
        const order: string[] = [];
        const first = store.transaction(async (tx) => {
          await tx.insertPublisher({ id: "one", threshold: 1, createdAt: 1 });
          order.push("first-wrote");
          await gate;
          order.push("first-done");
        });
        const second = store.transaction(async (tx) => {
          order.push("second-start");
          expect(await tx.getPublisher("one")).toBeDefined();
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(await store.read((r) => r.getPublisher("one"))).toBeUndefined();
        release();
        await Promise.all([first, second]);
        expect(order).toEqual(["first-wrote", "first-done", "second-start"]);
      } finally {
        store.close();
      }
    });
    it("rejects duplicates of unique rows (the race settlers)", async () => {
      const store = await create();
      try {
        await store.transaction(async (tx) => {
          await tx.insertPublisher({ id: "acme", threshold: 1, createdAt: 1 });
          await tx.insertPackage({ name: "@acme/x", publisher: "acme", indexVersion: 0 }, "@acme/x");
        });
        await expect(store.transaction((tx) => tx.insertPackage({ name: "@acme/y", publisher: "acme", indexVersion: 0 }, "@acme/x"))).rejects.toThrow();
        const row = { name: "@acme/x", version: "1.0.0", sha512: "a".repeat(128), size: 1, keyids: [], logIndex: 0, status: "unsigned" as const, purged: false };
        await store.transaction((tx) => tx.insertVersion(row));
        await expect(store.transaction((tx) => tx.insertVersion(row))).rejects.toThrow();
        await expect(store.transaction((tx) => tx.insertVersion({ ...row, version: "1.0.1" }))).rejects.toThrow();
      } finally {
        store.close();
      }
    });
  });
}
