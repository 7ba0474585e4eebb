/**
 * The SQLite schema (REGISTRY.md §6.4) as ordered migrations; `PRAGMA user_version` records
 * how many have run. A migration is appended, never edited. Versions are never deleted;
 * `pubkey` is exactly 32 bytes; `log_index` is unique.
 */

/** Ordered migrations; index i brings the schema from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE publishers (
    id TEXT PRIMARY KEY,
    threshold INTEGER NOT NULL CHECK (threshold >= 1),
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE keys (
    keyid TEXT PRIMARY KEY,
    publisher TEXT NOT NULL REFERENCES publishers(id),
    pubkey BLOB NOT NULL CHECK (length(pubkey) = 32),
    bound_idx INTEGER NOT NULL,
    removed_idx INTEGER,
    revoked_idx INTEGER,
    compromised_since INTEGER
  ) STRICT;
  CREATE INDEX keys_publisher ON keys(publisher);
  CREATE TABLE packages (
    name TEXT PRIMARY KEY,
    name_folded TEXT NOT NULL UNIQUE,
    publisher TEXT NOT NULL REFERENCES publishers(id),
    index_version INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX packages_publisher ON packages(publisher);
  CREATE TABLE versions (
    name TEXT NOT NULL REFERENCES packages(name),
    version TEXT NOT NULL,
    sha512 TEXT NOT NULL CHECK (length(sha512) = 128),
    size INTEGER NOT NULL,
    manifest_sha256 TEXT,
    envelope TEXT,
    keyids TEXT NOT NULL,
    log_index INTEGER NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('active', 'yanked', 'blocked', 'unsigned')),
    purged INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, version)
  ) STRICT;
  CREATE INDEX versions_sha512 ON versions(sha512);
  CREATE TABLE log_leaves (
    idx INTEGER PRIMARY KEY,
    entry TEXT NOT NULL,
    leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32)
  ) STRICT;
  CREATE TABLE log_nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    note TEXT NOT NULL
  ) STRICT;
  CREATE TABLE tokens (
    sha256 BLOB PRIMARY KEY CHECK (length(sha256) = 32),
    publisher TEXT,
    scopes TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    label TEXT
  ) STRICT;
  CREATE TABLE statements (
    sha256 TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    envelope TEXT NOT NULL,
    log_index INTEGER NOT NULL UNIQUE
  ) STRICT;
  CREATE TABLE package_indexes (
    name TEXT PRIMARY KEY REFERENCES packages(name),
    index_version INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    envelope TEXT NOT NULL
  ) STRICT;
  CREATE TABLE roots (
    version INTEGER PRIMARY KEY,
    envelope TEXT NOT NULL
  ) STRICT;
  `,
  `
  ALTER TABLE versions ADD COLUMN package_json TEXT;
  ALTER TABLE versions ADD COLUMN shasum TEXT CHECK (shasum IS NULL OR length(shasum) = 40);
  `,
  `
  ALTER TABLE statements ADD COLUMN envelope_sha256 TEXT;
  CREATE UNIQUE INDEX statements_envelope ON statements(envelope_sha256);
  `,
];
