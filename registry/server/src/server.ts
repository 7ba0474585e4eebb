/**
 * `createRegistryServer(options)`: opens a registry directory made by `initRegistry`, takes
 * its process lock, and serves the native `/v1` API on `node:http` with the §6.5 limits
 * (127.0.0.1 by default, 16 KiB headers, 10 s header and 60 s request timeouts, per-route body
 * caps). Checkpoints are re-signed on a schedule; the root is renewed before it expires.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseEnvelope, parseCanonicalJson, fromBase64 } from "@agentgov/registry-protocol";
import { systemClock, systemEvery, type Clock, type Every } from "./clock.js";
import type { NpmPublishMode, RegistryContext, RoleSigners, ServerLimits } from "./context.js";
import { DEFAULT_SERVER_LIMITS } from "./limits.js";
import { loadRoleSigners } from "./keys/role-keys.js";
import { buildRoot, signRoot } from "./keys/root.js";
import { commitCheckpoint, scheduleCheckpoints } from "./log/checkpoints.js";
import { parseRequestPath } from "./http/request-path.js";
import { route } from "./http/routes.js";
import { npmRoute, sendNpmError } from "./npm/npm-routes.js";
import { loadNpmSigner } from "./keys/npm-signer.js";
import { sendError } from "./http/responses.js";
import { RateLimiter } from "./http/rate-limit.js";
import { FsBlobStore } from "./storage/fs-blob-store.js";
import { SqliteMetaStore } from "./storage/sqlite-meta-store.js";
import { lockDirectory } from "./storage/dir-lock.js";
import type { BlobStore } from "./storage/blob-store.js";
import type { MetaStore } from "./storage/meta-store.js";
import { readConfig, registryPaths } from "./registry-config.js";

/** Options of {@link createRegistryServer}. */
export interface RegistryServerOptions {
  /** The registry directory created by `initRegistry`. */
  dir: string;
  /** Listen address; default `127.0.0.1`. */
  host?: string;
  /** Listen port; default 4873; `0` picks a free one. */
  port?: number;
  /** Overrides `publicUrl` of `registry.json` (the log origin never changes). */
  publicUrl?: string;
  clock?: Clock;
  /** Timer used for the checkpoint schedule. */
  every?: Every;
  /** Checkpoint re-sign interval, ms; default 1 hour. */
  checkpointIntervalMs?: number;
  limits?: Partial<ServerLimits>;
  /** HTTP timeouts, ms (§6.5): headers 10 s, whole request 60 s; how often they are checked (default 1 s). */
  timeouts?: { headersMs?: number; requestMs?: number; checkIntervalMs?: number };
  /** Replaces the SQLite store (e.g. PostgreSQL). */
  meta?: MetaStore;
  /** Replaces the filesystem blob store (e.g. S3). */
  blobs?: BlobStore;
  /** Replaces the file role keys (e.g. KMS); must match the root. */
  signers?: RoleSigners;
  /**
   * The npm-compatible subset (§6.3): `unsigned` (default) accepts a stock `npm publish` as an
   * unsigned version, `reject` accepts signed npm publishes only, `off` refuses npm publishes
   * (reads still work), `false` serves no npm routes at all.
   */
  npmPublish?: NpmPublishMode | false;
  /** Receives background errors (scheduled re-signing); default: ignored. */
  onError?: (error: unknown) => void;
}

/** A running registry. */
export interface RegistryServer {
  /** `http://host:port` actually listened on. */
  readonly url: string;
  readonly port: number;
  /** The shared state (stores, signers, origin): for embedding and tests. */
  readonly context: RegistryContext;
  /** Signs a fresh checkpoint now (what the schedule does). */
  resignCheckpoint(): Promise<void>;
  /** Stops listening, the schedule and the stores; releases the lock. */
  close(): Promise<void>;
}

const ROOT_RENEW_SECONDS = 30 * 24 * 3600;

async function renewRoot(ctx: RegistryContext, npmSpki: Uint8Array): Promise<void> {
  await ctx.meta.transaction(async (tx) => {
    const version = await tx.latestRootVersion();
    const text = await tx.getRoot(version);
    if (text === undefined) return;
    const payload = fromBase64(parseEnvelope(text).payload) ?? new Uint8Array();
    const expires = Date.parse((parseCanonicalJson(payload, { maxBytes: 128 * 1024 }) as { expires: string }).expires) / 1000;
    if (expires - ctx.clock.now() > ROOT_RENEW_SECONDS) return;
    const next = buildRoot(version + 1, ctx.origin, ctx.signers, npmSpki, ctx.clock.now() + ctx.limits.rootValiditySeconds);
    await tx.insertRoot(version + 1, await signRoot(next, [ctx.signers.root]));
  });
}

function isNative(url: string | undefined): boolean {
  return url === "/v1" || (url?.startsWith("/v1/") ?? false) || (url?.startsWith("/v1?") ?? false);
}

function handler(ctx: RegistryContext, search: RateLimiter) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const native = isNative(req.url) || ctx.npm === undefined;
    const run = async (): Promise<void> => {
      if (!native && ctx.npm !== undefined) {
        await npmRoute(ctx, ctx.npm, req, res);
        return;
      }
      const path = parseRequestPath(req.url);
      await route({ ctx, req, res, path, search });
    };
    run().catch((error: unknown) => {
      // An unread or partly read body must not be parsed as the next request.
      if (req.method !== "GET" && req.method !== "HEAD") res.setHeader("Connection", "close");
      if (native) sendError(res, error);
      else sendNpmError(res, error);
    });
  };
}

/** Opens the registry at `options.dir` and starts serving; resolves once listening. */
export async function createRegistryServer(options: RegistryServerOptions): Promise<RegistryServer> {
  const paths = registryPaths(options.dir);
  const config = await readConfig(options.dir);
  const release = await lockDirectory(paths.lock);
  let meta: MetaStore | undefined;
  try {
    meta = options.meta ?? new SqliteMetaStore(paths.database);
    const ctx: RegistryContext = {
      origin: config.origin, publicUrl: options.publicUrl ?? config.publicUrl, meta,
      blobs: options.blobs ?? new FsBlobStore(paths.blobs), signers: options.signers ?? await loadRoleSigners(options.dir),
      clock: options.clock ?? systemClock, limits: { ...DEFAULT_SERVER_LIMITS, ...options.limits },
    };
    const npmSigner = await loadNpmSigner(options.dir);
    if (options.npmPublish !== false) ctx.npm = { signer: npmSigner, publishMode: options.npmPublish ?? "unsigned" };
    await renewRoot(ctx, npmSigner.spki);
    await commitCheckpoint(ctx);
    const server = createServer({
      maxHeaderSize: 16 * 1024,
      headersTimeout: options.timeouts?.headersMs ?? 10_000,
      requestTimeout: options.timeouts?.requestMs ?? 60_000,
      connectionsCheckingInterval: options.timeouts?.checkIntervalMs ?? 1_000,
    }, handler(ctx, new RateLimiter(60)));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 4873, options.host ?? "127.0.0.1", () => { server.off("error", reject); resolve(); });
    });
    const onError = options.onError ?? (() => undefined);
    const stop = scheduleCheckpoints(ctx, options.every ?? systemEvery, options.checkpointIntervalMs ?? 3_600_000, onError);
    const address = server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const store = meta;
    return {
      url: `http://${host}:${address.port}`,
      port: address.port,
      context: ctx,
      resignCheckpoint: async () => { await commitCheckpoint(ctx); },
      close: async () => {
        stop();
        await new Promise<void>((resolve) => { server.close(() => { resolve(); }); server.closeAllConnections(); });
        store.close();
        await release();
      },
    };
  } catch (error) {
    meta?.close();
    await release();
    throw error;
  }
}
