/**
 * `initRegistry(dir)`: creates a registry directory — role keys, the SQLite store, root 1, the
 * first checkpoint and an admin token file (0600) — and refuses to touch an existing one.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { RegistryError } from "@agentgov/registry-protocol";
import { systemClock, type Clock } from "./clock.js";
import type { RegistryContext } from "./context.js";
import { DEFAULT_SERVER_LIMITS } from "./limits.js";
import { createRoleKeys, loadRoleSigners } from "./keys/role-keys.js";
import { loadNpmSigner } from "./keys/npm-signer.js";
import { buildRoot, rootSha256, signRoot } from "./keys/root.js";
import { commitCheckpoint } from "./log/checkpoints.js";
import { FsBlobStore } from "./storage/fs-blob-store.js";
import { SqliteMetaStore } from "./storage/sqlite-meta-store.js";
import { createToken } from "./tokens/tokens.js";
import { originFor, registryPaths, type RegistryConfig } from "./registry-config.js";

/** Options of {@link initRegistry}. */
export interface InitRegistryOptions {
  /** URL clients use (default `http://127.0.0.1:4873`); the log origin derives from it. */
  publicUrl?: string;
  /** Admin token lifetime, seconds (default 90 days). */
  adminTokenTtlSeconds?: number;
  clock?: Clock;
}

/** What {@link initRegistry} created. */
export interface InitRegistryResult {
  dir: string;
  origin: string;
  publicUrl: string;
  /** Lowercase hex SHA-256 of root 1, for `agentgov plugin trust registry <url> --root-sha256`. */
  rootSha256: string;
  /** The 0600 file holding the admin bearer token. */
  adminTokenPath: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Initialises a new registry directory (e.g. `$AGENTGOV_HOME/registry`). */
export async function initRegistry(dir: string, options: InitRegistryOptions = {}): Promise<InitRegistryResult> {
  const paths = registryPaths(dir);
  const publicUrl = (options.publicUrl ?? "http://127.0.0.1:4873").replace(/\/+$/, "");
  const origin = originFor(publicUrl);
  const clock = options.clock ?? systemClock;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (await exists(paths.config) || await exists(paths.database)) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `${dir} already holds a registry`);
  }
  await createRoleKeys(dir);
  const signers = await loadRoleSigners(dir);
  const npmSpki = (await loadNpmSigner(dir)).spki;
  const meta = new SqliteMetaStore(paths.database);
  try {
    const ctx: RegistryContext = {
      origin, publicUrl, meta, blobs: new FsBlobStore(paths.blobs), signers, clock, limits: DEFAULT_SERVER_LIMITS,
    };
    const root = await signRoot(buildRoot(1, origin, signers, npmSpki, clock.now() + DEFAULT_SERVER_LIMITS.rootValiditySeconds), [signers.root]);
    await meta.transaction((tx) => tx.insertRoot(1, root));
    await commitCheckpoint(ctx);
    const { token } = await createToken(ctx, { scopes: ["admin"], ttlSeconds: options.adminTokenTtlSeconds ?? 90 * 24 * 3600, label: "init" });
    await writeFile(paths.adminToken, `${token}\n`, { mode: 0o600, flag: "wx" });
    const config: RegistryConfig = { version: 1, origin, publicUrl };
    await writeFile(paths.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    return { dir, origin, publicUrl, rootSha256: rootSha256(root), adminTokenPath: paths.adminToken };
  } finally {
    meta.close();
  }
}
