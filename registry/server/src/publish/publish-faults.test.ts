/**
 * Fault injection at publish (REGISTRY.md §6.2 step 6): an I/O failure of the blob store, or
 * of the metadata store after the blob was written, fails the publish closed (500, no row, no
 * leaf) and leaves no blob this publish created.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FsBlobStore } from "../storage/fs-blob-store.js";
import { SqliteMetaStore } from "../storage/sqlite-meta-store.js";
import type { MetaReader, MetaStore, MetaWriter } from "../storage/meta-store.js";
import { createPublisher, errorCode, packPlugin, publishPlugin, snapshot, startRegistry, type TestRegistry } from "../testing/harness.js";

const faults = { blobWrite: false, leafAppend: false };

class FlakyBlobs extends FsBlobStore {
  override async putIfAbsent(sha512: string, bytes: Uint8Array): Promise<boolean> {
    if (faults.blobWrite) throw Object.assign(new Error("injected EIO"), { code: "EIO" });
    return super.putIfAbsent(sha512, bytes);
  }
}

/** Delegates to SQLite, failing `appendLeaf` on demand. */
class FlakyMeta implements MetaStore {
  readonly inner: SqliteMetaStore;
  constructor(path: string) {
    this.inner = new SqliteMetaStore(path);
  }
  read<T>(fn: (reader: MetaReader) => Promise<T>): Promise<T> {
    return this.inner.read(fn);
  }
  transaction<T>(fn: (writer: MetaWriter) => Promise<T>): Promise<T> {
    return this.inner.transaction((writer) => fn(new Proxy(writer, {
      get(target, prop) {
        if (prop === "appendLeaf" && faults.leafAppend) return () => Promise.reject(new Error("injected disk full"));
        const value: unknown = Reflect.get(target, prop);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    })));
  }
  close(): void {
    this.inner.close();
  }
}

let reg: TestRegistry;

beforeAll(async () => {
  reg = await startRegistry({}, (dir) => ({ meta: new FlakyMeta(join(dir, "registry.sqlite")), blobs: new FlakyBlobs(join(dir, "blobs")) }));
});
afterAll(async () => { await reg.close(); });

describe("publish under injected faults", () => {
  it("a failing blob write → 500, nothing written", async () => {
    const acme = await createPublisher(reg, "acme");
    const plugin = await packPlugin({ name: "@acme/f", version: "1.0.0", publisher: "acme" }, [acme.key]);
    const before = await snapshot(reg);
    faults.blobWrite = true;
    try {
      const res = await publishPlugin(reg, plugin, acme.token);
      expect(res.status).toBe(500);
      expect(errorCode(res)).toBe("REGISTRY_STORE_CORRUPT");
    } finally {
      faults.blobWrite = false;
    }
    expect(await snapshot(reg)).toEqual(before);
  });

  it("a failure after the blob write → 500, rows rolled back and the new blob removed", async () => {
    const acme = await createPublisher(reg, "beta");
    const plugin = await packPlugin({ name: "@beta/f", version: "1.0.0", publisher: "beta" }, [acme.key]);
    const before = await snapshot(reg);
    faults.leafAppend = true;
    try {
      expect((await publishPlugin(reg, plugin, acme.token)).status).toBe(500);
    } finally {
      faults.leafAppend = false;
    }
    expect(await snapshot(reg)).toEqual(before);
    expect((await publishPlugin(reg, plugin, acme.token)).status).toBe(201);
  });
});
