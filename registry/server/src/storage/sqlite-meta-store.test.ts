import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "./sqlite-schema.js";
import { SqliteMetaStore } from "./sqlite-meta-store.js";
import { metaStoreConformance } from "../testing/store-conformance.js";

async function dbPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), "agentgov-meta-")), "db.sqlite");
}

metaStoreConformance("SqliteMetaStore", async () => new SqliteMetaStore(await dbPath()));

describe("SqliteMetaStore", () => {
  it("runs the migrations, in WAL mode", async () => {
    const path = await dbPath();
    const store = new SqliteMetaStore(path);
    store.close();
    const db = new Database(path);
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
    const again = new SqliteMetaStore(path);
    again.close();
  });

  it("refuses a database from a newer server", async () => {
    const path = await dbPath();
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => new SqliteMetaStore(path)).toThrow(expect.objectContaining({ code: "REGISTRY_STORE_CORRUPT" }) as Error);
  });

  it("enforces the schema constraints (32-byte keys)", async () => {
    const store = new SqliteMetaStore(await dbPath());
    try {
      await store.transaction((tx) => tx.insertPublisher({ id: "acme", threshold: 1, createdAt: 1 }));
      await expect(store.transaction((tx) => tx.insertKey({ keyid: `ed25519:${"0".repeat(64)}`, publisher: "acme", publicKey: new Uint8Array(31), boundIdx: 0 })))
        .rejects.toThrow(/CHECK constraint/);
    } finally {
      store.close();
    }
  });
});
