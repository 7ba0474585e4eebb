/**
 * `@agentgov/registry-server`: the agentgov plugin registry (REGISTRY.md §6) — the native
 * `/v1` HTTP API on `node:http` plus the npm-compatible subset, an RFC 6962 transparency log
 * with C2SP signed checkpoints, signed per-package indexes, content-addressed blobs and SQLite
 * metadata, with storage behind interfaces.
 * @packageDocumentation
 */
export { createRegistryServer, type RegistryServer, type RegistryServerOptions } from "./server.js";
export { initRegistry, type InitRegistryOptions, type InitRegistryResult } from "./init.js";
export { registryPaths, originFor, readConfig, type RegistryConfig } from "./registry-config.js";
export type { RegistryContext, RoleSigners, ServerLimits, NpmOptions, NpmPublishMode } from "./context.js";
export { DEFAULT_SERVER_LIMITS } from "./limits.js";
export { systemClock, systemEvery, type Clock, type Every } from "./clock.js";
export type { BlobStore } from "./storage/blob-store.js";
export { FsBlobStore } from "./storage/fs-blob-store.js";
export type {
  MetaStore, MetaReader, MetaWriter, PublisherRow, KeyRow, PackageRow, VersionRow, LeafRow, CheckpointRow, TokenRow,
  StatementRow, SignedIndexRow,
} from "./storage/meta-store.js";
export { SqliteMetaStore } from "./storage/sqlite-meta-store.js";
export { SeedSigner, type Signer } from "./keys/signer.js";
export { npmSigner, type NpmSigner } from "./keys/npm-signer.js";
export { createToken, TOKEN_PREFIX, type TokenSpec, type AuthToken } from "./tokens/tokens.js";
export { isScope, type Scope } from "./tokens/scopes.js";
export type { Receipt, InclusionProofJson } from "./publish/receipt.js";
export type { RootStatement, RootKey } from "./keys/root.js";
