/**
 * SQLite implementation of the {@link MetaStore} (REGISTRY.md §6.4) over `better-sqlite3`:
 * WAL, `synchronous=FULL` (a checkpoint is never signed over a commit a crash can lose),
 * foreign keys on, migrations by `user_version`. One writer connection used under an async
 * mutex with `BEGIN IMMEDIATE`; a second connection serves reads of committed state.
 */
import Database from "better-sqlite3";
import { RegistryError, type KeyId, type VersionStatus } from "@agentgov/registry-protocol";
import { AsyncMutex } from "./async-mutex.js";
import { MIGRATIONS } from "./sqlite-schema.js";
import type {
  CheckpointRow, KeyRow, LeafRow, MetaReader, MetaStore, MetaWriter, PackageRow, PublisherRow, SignedIndexRow,
  StatementRow, TokenRow, VersionRow,
} from "./meta-store.js";

type Row = Record<string, unknown>;

function num(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  throw new RegistryError("REGISTRY_STORE_CORRUPT", "expected an integer column");
}
function optNum(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : num(value);
}
function str(value: unknown): string {
  if (typeof value !== "string") throw new RegistryError("REGISTRY_STORE_CORRUPT", "expected a text column");
  return value;
}
function optStr(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : str(value);
}
function bytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new RegistryError("REGISTRY_STORE_CORRUPT", "expected a blob column");
  return new Uint8Array(value);
}
function jsonList(value: unknown): string[] {
  const parsed: unknown = JSON.parse(str(value));
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === "string")) throw new RegistryError("REGISTRY_STORE_CORRUPT", "expected a JSON string list");
  return parsed;
}

function keyRow(r: Row): KeyRow {
  const row: KeyRow = { keyid: str(r.keyid) as KeyId, publisher: str(r.publisher), publicKey: bytes(r.pubkey), boundIdx: num(r.bound_idx) };
  const removed = optNum(r.removed_idx);
  const revoked = optNum(r.revoked_idx);
  const since = optNum(r.compromised_since);
  if (removed !== undefined) row.removedIdx = removed;
  if (revoked !== undefined) row.revokedIdx = revoked;
  if (since !== undefined) row.compromisedSince = since;
  return row;
}
function packageRow(r: Row): PackageRow {
  return { name: str(r.name), publisher: str(r.publisher), indexVersion: num(r.index_version) };
}
function versionRow(r: Row): VersionRow {
  const row: VersionRow = {
    name: str(r.name), version: str(r.version), sha512: str(r.sha512), size: num(r.size), keyids: jsonList(r.keyids) as KeyId[],
    logIndex: num(r.log_index), status: str(r.status) as VersionStatus, purged: num(r.purged) !== 0,
  };
  const manifest = optStr(r.manifest_sha256);
  const envelope = optStr(r.envelope);
  const packageJson = optStr(r.package_json);
  const shasum = optStr(r.shasum);
  if (manifest !== undefined) row.manifestSha256 = manifest;
  if (envelope !== undefined) row.envelope = envelope;
  if (packageJson !== undefined) row.packageJson = packageJson;
  if (shasum !== undefined) row.shasum = shasum;
  return row;
}

function statementRow(r: Row): StatementRow {
  return { sha256: str(r.sha256), envelopeSha256: str(r.envelope_sha256), kind: str(r.kind), envelope: str(r.envelope), logIndex: num(r.log_index) };
}

/** Row access over one connection; every method is synchronous underneath. */
class SqliteAccess implements MetaWriter {
  constructor(private readonly db: Database.Database) {}

  #get(sql: string, ...params: unknown[]): Row | undefined {
    return this.db.prepare(sql).get(...params) as Row | undefined;
  }
  #all(sql: string, ...params: unknown[]): Row[] {
    return this.db.prepare(sql).all(...params) as Row[];
  }
  #run(sql: string, ...params: unknown[]): Promise<void> {
    this.db.prepare(sql).run(...params);
    return Promise.resolve();
  }

  getPublisher(id: string): Promise<PublisherRow | undefined> {
    const r = this.#get("SELECT * FROM publishers WHERE id = ?", id);
    return Promise.resolve(r === undefined ? undefined : { id: str(r.id), threshold: num(r.threshold), createdAt: num(r.created_at) });
  }
  getKey(keyid: KeyId): Promise<KeyRow | undefined> {
    const r = this.#get("SELECT * FROM keys WHERE keyid = ?", keyid);
    return Promise.resolve(r === undefined ? undefined : keyRow(r));
  }
  listKeys(publisher: string): Promise<KeyRow[]> {
    return Promise.resolve(this.#all("SELECT * FROM keys WHERE publisher = ? ORDER BY bound_idx, keyid", publisher).map(keyRow));
  }
  getPackage(name: string): Promise<PackageRow | undefined> {
    const r = this.#get("SELECT * FROM packages WHERE name = ?", name);
    return Promise.resolve(r === undefined ? undefined : packageRow(r));
  }
  getPackageByFolded(folded: string): Promise<PackageRow | undefined> {
    const r = this.#get("SELECT * FROM packages WHERE name_folded = ?", folded);
    return Promise.resolve(r === undefined ? undefined : packageRow(r));
  }
  listPackagesOf(publisher: string): Promise<PackageRow[]> {
    return Promise.resolve(this.#all("SELECT * FROM packages WHERE publisher = ? ORDER BY name", publisher).map(packageRow));
  }
  searchPackages(text: string, limit: number): Promise<PackageRow[]> {
    // instr() instead of LIKE: the query text is data, never a pattern.
    return Promise.resolve(this.#all("SELECT * FROM packages WHERE instr(name, ?) > 0 ORDER BY name LIMIT ?", text, limit).map(packageRow));
  }
  getVersion(name: string, version: string): Promise<VersionRow | undefined> {
    const r = this.#get("SELECT * FROM versions WHERE name = ? AND version = ?", name, version);
    return Promise.resolve(r === undefined ? undefined : versionRow(r));
  }
  listVersions(name: string): Promise<VersionRow[]> {
    return Promise.resolve(this.#all("SELECT * FROM versions WHERE name = ? ORDER BY log_index", name).map(versionRow));
  }
  getVersionsBySha512(sha512: string): Promise<VersionRow[]> {
    return Promise.resolve(this.#all("SELECT * FROM versions WHERE sha512 = ? ORDER BY log_index", sha512).map(versionRow));
  }
  logSize(): Promise<number> {
    return Promise.resolve(num(this.#get("SELECT count(*) AS n FROM log_leaves")?.n));
  }
  getLeaves(start: number, end: number): Promise<LeafRow[]> {
    return Promise.resolve(this.#all("SELECT * FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx", start, end)
      .map((r) => ({ index: num(r.idx), entry: str(r.entry), leafHash: bytes(r.leaf_hash) })));
  }
  getNode(level: number, index: number): Promise<Uint8Array | undefined> {
    const r = this.#get("SELECT hash FROM log_nodes WHERE level = ? AND idx = ?", level, index);
    return Promise.resolve(r === undefined ? undefined : bytes(r.hash));
  }
  latestCheckpoint(): Promise<CheckpointRow | undefined> {
    const r = this.#get("SELECT * FROM checkpoints ORDER BY id DESC LIMIT 1");
    return Promise.resolve(r === undefined ? undefined : { size: num(r.size), timestamp: num(r.timestamp), note: str(r.note) });
  }
  getToken(sha256: Uint8Array): Promise<TokenRow | undefined> {
    const r = this.#get("SELECT * FROM tokens WHERE sha256 = ?", Buffer.from(sha256));
    if (r === undefined) return Promise.resolve(undefined);
    const row: TokenRow = { sha256: bytes(r.sha256), scopes: jsonList(r.scopes), expiresAt: num(r.expires_at) };
    const publisher = optStr(r.publisher);
    const label = optStr(r.label);
    if (publisher !== undefined) row.publisher = publisher;
    if (label !== undefined) row.label = label;
    return Promise.resolve(row);
  }
  getStatement(sha256: string): Promise<StatementRow | undefined> {
    const r = this.#get("SELECT * FROM statements WHERE sha256 = ?", sha256);
    return Promise.resolve(r === undefined ? undefined : statementRow(r));
  }
  getStatementByEnvelope(envelopeSha256: string): Promise<StatementRow | undefined> {
    const r = this.#get("SELECT * FROM statements WHERE envelope_sha256 = ?", envelopeSha256);
    return Promise.resolve(r === undefined ? undefined : statementRow(r));
  }
  getSignedIndex(name: string): Promise<SignedIndexRow | undefined> {
    const r = this.#get("SELECT * FROM package_indexes WHERE name = ?", name);
    return Promise.resolve(r === undefined ? undefined
      : { name: str(r.name), indexVersion: num(r.index_version), issuedAt: num(r.issued_at), envelope: str(r.envelope) });
  }
  getRoot(version: number): Promise<string | undefined> {
    return Promise.resolve(optStr(this.#get("SELECT envelope FROM roots WHERE version = ?", version)?.envelope));
  }
  latestRootVersion(): Promise<number> {
    return Promise.resolve(optNum(this.#get("SELECT max(version) AS v FROM roots")?.v) ?? 0);
  }

  insertPublisher(row: PublisherRow): Promise<void> {
    return this.#run("INSERT INTO publishers (id, threshold, created_at) VALUES (?, ?, ?)", row.id, row.threshold, row.createdAt);
  }
  setThreshold(publisher: string, threshold: number): Promise<void> {
    return this.#run("UPDATE publishers SET threshold = ? WHERE id = ?", threshold, publisher);
  }
  insertKey(row: KeyRow): Promise<void> {
    return this.#run("INSERT INTO keys (keyid, publisher, pubkey, bound_idx) VALUES (?, ?, ?, ?)",
      row.keyid, row.publisher, Buffer.from(row.publicKey), row.boundIdx);
  }
  markKeyRemoved(keyid: KeyId, logIndex: number): Promise<void> {
    return this.#run("UPDATE keys SET removed_idx = ? WHERE keyid = ? AND removed_idx IS NULL", logIndex, keyid);
  }
  markKeyRevoked(keyid: KeyId, logIndex: number, compromisedSince: number): Promise<void> {
    return this.#run("UPDATE keys SET revoked_idx = ?, compromised_since = ? WHERE keyid = ? AND revoked_idx IS NULL",
      logIndex, compromisedSince, keyid);
  }
  insertPackage(row: PackageRow, folded: string): Promise<void> {
    return this.#run("INSERT INTO packages (name, name_folded, publisher, index_version) VALUES (?, ?, ?, ?)",
      row.name, folded, row.publisher, row.indexVersion);
  }
  setIndexVersion(name: string, indexVersion: number): Promise<void> {
    return this.#run("UPDATE packages SET index_version = ? WHERE name = ?", indexVersion, name);
  }
  insertVersion(row: VersionRow): Promise<void> {
    return this.#run(`INSERT INTO versions (name, version, sha512, size, manifest_sha256, envelope, keyids, log_index, status, purged, package_json, shasum)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, row.name, row.version, row.sha512, row.size, row.manifestSha256 ?? null,
    row.envelope ?? null, JSON.stringify(row.keyids), row.logIndex, row.status, row.purged ? 1 : 0, row.packageJson ?? null, row.shasum ?? null);
  }
  setVersionStatus(name: string, version: string, status: VersionStatus, purged: boolean): Promise<void> {
    return this.#run("UPDATE versions SET status = ?, purged = ? WHERE name = ? AND version = ?", status, purged ? 1 : 0, name, version);
  }
  setVersionSignatures(name: string, version: string, envelope: string, keyids: KeyId[]): Promise<void> {
    return this.#run("UPDATE versions SET envelope = ?, keyids = ? WHERE name = ? AND version = ?", envelope, JSON.stringify(keyids), name, version);
  }
  appendLeaf(entry: string, leafHash: Uint8Array): Promise<number> {
    const index = num(this.#get("SELECT count(*) AS n FROM log_leaves")?.n);
    this.db.prepare("INSERT INTO log_leaves (idx, entry, leaf_hash) VALUES (?, ?, ?)").run(index, entry, Buffer.from(leafHash));
    return Promise.resolve(index);
  }
  putNode(level: number, index: number, hash: Uint8Array): Promise<void> {
    return this.#run("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)", level, index, Buffer.from(hash));
  }
  insertCheckpoint(row: CheckpointRow): Promise<void> {
    return this.#run("INSERT INTO checkpoints (size, timestamp, note) VALUES (?, ?, ?)", row.size, row.timestamp, row.note);
  }
  insertToken(row: TokenRow): Promise<void> {
    return this.#run("INSERT INTO tokens (sha256, publisher, scopes, expires_at, label) VALUES (?, ?, ?, ?, ?)",
      Buffer.from(row.sha256), row.publisher ?? null, JSON.stringify(row.scopes), row.expiresAt, row.label ?? null);
  }
  insertStatement(row: StatementRow): Promise<void> {
    return this.#run("INSERT INTO statements (sha256, envelope_sha256, kind, envelope, log_index) VALUES (?, ?, ?, ?, ?)",
      row.sha256, row.envelopeSha256, row.kind, row.envelope, row.logIndex);
  }
  putSignedIndex(row: SignedIndexRow): Promise<void> {
    return this.#run(`INSERT INTO package_indexes (name, index_version, issued_at, envelope) VALUES (?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET index_version = excluded.index_version, issued_at = excluded.issued_at, envelope = excluded.envelope`,
    row.name, row.indexVersion, row.issuedAt, row.envelope);
  }
  insertRoot(version: number, envelope: string): Promise<void> {
    return this.#run("INSERT INTO roots (version, envelope) VALUES (?, ?)", version, envelope);
  }
}

function open(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  return db;
}

/** Runs the pending migrations of {@link MIGRATIONS}, each in its own transaction. */
export function migrate(db: Database.Database): void {
  const current = num(db.pragma("user_version", { simple: true }));
  if (current > MIGRATIONS.length) {
    throw new RegistryError("REGISTRY_STORE_CORRUPT", `database schema ${current} is newer than this server (${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/** The SQLite {@link MetaStore} of one database file. */
export class SqliteMetaStore implements MetaStore {
  readonly #writer: Database.Database;
  readonly #reader: Database.Database;
  readonly #writeAccess: SqliteAccess;
  readonly #readAccess: SqliteAccess;
  readonly #mutex = new AsyncMutex();

  /** Opens (creating if needed) and migrates the database at `path`. */
  constructor(path: string) {
    this.#writer = open(path);
    migrate(this.#writer);
    this.#reader = open(path);
    this.#writeAccess = new SqliteAccess(this.#writer);
    this.#readAccess = new SqliteAccess(this.#reader);
  }

  /** Reads committed state through the reader connection. */
  read<T>(fn: (reader: MetaReader) => Promise<T>): Promise<T> {
    return fn(this.#readAccess);
  }

  /** One serialised `BEGIN IMMEDIATE` transaction; rollback on any rejection. */
  transaction<T>(fn: (writer: MetaWriter) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      this.#writer.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this.#writeAccess);
        this.#writer.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.#writer.inTransaction) this.#writer.exec("ROLLBACK");
        throw error;
      }
    });
  }

  /** Closes both connections. */
  close(): void {
    this.#reader.close();
    this.#writer.close();
  }
}
