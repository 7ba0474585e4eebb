/**
 * The metadata store interface (REGISTRY.md §6.4): every row the registry keeps, behind an
 * interface so that PostgreSQL can replace SQLite without touching the protocol code. Writes
 * happen only inside {@link MetaStore.transaction}, which is serialised (one writer) and
 * atomic: a rejected callback leaves no trace.
 */
import type { KeyId, VersionStatus } from "@agentgov/registry-protocol";

/** A publisher and its signing threshold. */
export interface PublisherRow {
  id: string;
  threshold: number;
  createdAt: number;
}

/** One publisher key and its history as log indices. */
export interface KeyRow {
  keyid: KeyId;
  publisher: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  boundIdx: number;
  /** Log index of the rotation that removed the key. */
  removedIdx?: number;
  revokedIdx?: number;
  compromisedSince?: number;
}

/** A package name, its owner and its current index version. */
export interface PackageRow {
  name: string;
  publisher: string;
  indexVersion: number;
}

/** One published version (never deleted). */
export interface VersionRow {
  name: string;
  version: string;
  /** Lowercase hex SHA-512 of the tarball. */
  sha512: string;
  size: number;
  manifestSha256?: string;
  /** The publisher's DSSE envelope, JSON text. */
  envelope?: string;
  keyids: KeyId[];
  logIndex: number;
  status: VersionStatus;
  /** True once a block purged the bytes. */
  purged: boolean;
  /** `package/package.json` of the tarball (for the npm packument). */
  packageJson?: string;
  /** Lowercase hex SHA-1 of the tarball (npm's `dist.shasum`). */
  shasum?: string;
}

/** One log leaf: the canonical entry text and its RFC 6962 leaf hash. */
export interface LeafRow {
  index: number;
  entry: string;
  leafHash: Uint8Array;
}

/** A signed checkpoint note. */
export interface CheckpointRow {
  size: number;
  timestamp: number;
  note: string;
}

/** A bearer token, stored only as the SHA-256 of its secret. */
export interface TokenRow {
  sha256: Uint8Array;
  publisher?: string;
  scopes: string[];
  /** Unix seconds. */
  expiresAt: number;
  label?: string;
}

/** A statement accepted into the log (replay protection and audit). */
export interface StatementRow {
  /** Lowercase hex SHA-256 of the payload bytes (the replay key; of the envelope for an attestation). */
  sha256: string;
  /** Lowercase hex SHA-256 of the canonical envelope: the log entry's `envelopeSha256`. */
  envelopeSha256: string;
  kind: string;
  envelope: string;
  logIndex: number;
}

/** The currently served signed index of one package. */
export interface SignedIndexRow {
  name: string;
  indexVersion: number;
  /** Unix seconds. */
  issuedAt: number;
  envelope: string;
}

/** Read access (committed state outside a transaction, own writes inside one). */
export interface MetaReader {
  getPublisher(id: string): Promise<PublisherRow | undefined>;
  getKey(keyid: KeyId): Promise<KeyRow | undefined>;
  listKeys(publisher: string): Promise<KeyRow[]>;
  getPackage(name: string): Promise<PackageRow | undefined>;
  /** The package whose confusable-folded name equals `folded`. */
  getPackageByFolded(folded: string): Promise<PackageRow | undefined>;
  listPackagesOf(publisher: string): Promise<PackageRow[]>;
  searchPackages(text: string, limit: number): Promise<PackageRow[]>;
  getVersion(name: string, version: string): Promise<VersionRow | undefined>;
  listVersions(name: string): Promise<VersionRow[]>;
  /** Every version whose tarball has this SHA-512 (normally one). */
  getVersionsBySha512(sha512: string): Promise<VersionRow[]>;
  logSize(): Promise<number>;
  /** Leaves `[start, end)`. */
  getLeaves(start: number, end: number): Promise<LeafRow[]>;
  /** The cached hash of the complete subtree at `level` covering leaves `[index·2^level, (index+1)·2^level)`. */
  getNode(level: number, index: number): Promise<Uint8Array | undefined>;
  latestCheckpoint(): Promise<CheckpointRow | undefined>;
  getToken(sha256: Uint8Array): Promise<TokenRow | undefined>;
  getStatement(sha256: string): Promise<StatementRow | undefined>;
  /** The statement whose canonical envelope has this SHA-256. */
  getStatementByEnvelope(envelopeSha256: string): Promise<StatementRow | undefined>;
  getSignedIndex(name: string): Promise<SignedIndexRow | undefined>;
  getRoot(version: number): Promise<string | undefined>;
  latestRootVersion(): Promise<number>;
}

/** Writes, available inside a transaction only. */
export interface MetaWriter extends MetaReader {
  insertPublisher(row: PublisherRow): Promise<void>;
  setThreshold(publisher: string, threshold: number): Promise<void>;
  insertKey(row: KeyRow): Promise<void>;
  markKeyRemoved(keyid: KeyId, logIndex: number): Promise<void>;
  markKeyRevoked(keyid: KeyId, logIndex: number, compromisedSince: number): Promise<void>;
  insertPackage(row: PackageRow, folded: string): Promise<void>;
  setIndexVersion(name: string, indexVersion: number): Promise<void>;
  insertVersion(row: VersionRow): Promise<void>;
  setVersionStatus(name: string, version: string, status: VersionStatus, purged: boolean): Promise<void>;
  /** Replaces a version's envelope and signer list (attest: more signatures over the same payload). */
  setVersionSignatures(name: string, version: string, envelope: string, keyids: KeyId[]): Promise<void>;
  /** Appends one leaf at index `logSize()` and returns that index. */
  appendLeaf(entry: string, leafHash: Uint8Array): Promise<number>;
  putNode(level: number, index: number, hash: Uint8Array): Promise<void>;
  insertCheckpoint(row: CheckpointRow): Promise<void>;
  insertToken(row: TokenRow): Promise<void>;
  insertStatement(row: StatementRow): Promise<void>;
  putSignedIndex(row: SignedIndexRow): Promise<void>;
  insertRoot(version: number, envelope: string): Promise<void>;
}

/** The metadata store. */
export interface MetaStore {
  /** Runs `fn` over committed state. */
  read<T>(fn: (reader: MetaReader) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one serialised write transaction (`BEGIN IMMEDIATE` in SQLite): commits when
   * it resolves, rolls back when it rejects (and rejects with the same error).
   */
  transaction<T>(fn: (writer: MetaWriter) => Promise<T>): Promise<T>;
  /** Closes the store; later calls fail. */
  close(): void;
}
