/** Everything a request handler needs: stores, role signers, identity, clock and limits. */
import type { ProtocolLimits } from "@agentgov/registry-protocol";
import type { BlobStore } from "./storage/blob-store.js";
import type { MetaStore } from "./storage/meta-store.js";
import type { Signer } from "./keys/signer.js";
import type { Clock } from "./clock.js";
import type { NpmSigner } from "./keys/npm-signer.js";

/** The registry's Ed25519 role signers (REGISTRY.md §4.9). No key serves two roles. */
export interface RoleSigners {
  root: Signer;
  log: Signer;
  index: Signer;
  admin: Signer;
}

/** Server-side limits (REGISTRY.md §9) on top of the protocol's. */
export interface ServerLimits extends ProtocolLimits {
  /** Publish request body, bytes (30 MiB). */
  publishBodyBytes: number;
  /** Any other request body, bytes. */
  statementBodyBytes: number;
  /** Log entries per page. */
  logPage: number;
  /** Index validity after signing, seconds (≤ 7 days). */
  indexValiditySeconds: number;
  /** Age after which an index is re-signed, seconds (1 day). */
  indexRefreshSeconds: number;
  /** Root validity, seconds (≤ 1 year). */
  rootValiditySeconds: number;
}

/** The shared state of one registry. */
export interface RegistryContext {
  /** Log origin, e.g. `127.0.0.1:4873/log`; the `registry` field of every statement. */
  origin: string;
  /** Base URL clients use; never derived from the `Host` header. */
  publicUrl: string;
  meta: MetaStore;
  blobs: BlobStore;
  signers: RoleSigners;
  clock: Clock;
  limits: ServerLimits;
  /** The npm-compatible subset (§6.3); absent when it is not served. */
  npm?: NpmOptions;
}

/** What an npm `PUT` without an agentgov signature does (§6.3 `--npm-publish`). */
export type NpmPublishMode = "unsigned" | "reject" | "off";

/** Settings of the npm-compatible subset. */
export interface NpmOptions {
  signer: NpmSigner;
  publishMode: NpmPublishMode;
}
