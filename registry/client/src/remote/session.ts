/**
 * A verified view of one registry (REGISTRY.md §7.2 step 2): the root chain (pinned in the
 * trust store, else trusted on first use), the newest checkpoint (signature, freshness,
 * consistency with the last one this home verified) and signed package indexes (signature
 * by the `index` role, expiry, monotonic `indexVersion`, a version set that never shrinks,
 * and a checkpoint consistent with the verified one). Nothing is persisted until
 * {@link RegistrySession.commit}, so a rejected install leaves the home untouched.
 */
import {
  RegistryError, sha256, validatePackageIndex, verifyEnvelope, checkIndexUpdate,
  type IndexState, type PackageIndex,
} from "@agentgov/registry-protocol";
import { loadTrustStore, saveTrustStore } from "../trust/trust-store.js";
import { RegistryHttp, type RegistryHttpOptions } from "./http-client.js";
import { LogClient, parseStoredCheckpoint, storedCheckpoint } from "./log-client.js";
import { RegistryState, registryStateDir } from "./registry-state.js";
import { roleKeys, verifyRootChain, type RegistryRoot, type VerifiedRoot } from "./root-chain.js";

/** Options of {@link openRegistry}. */
export interface OpenRegistryOptions extends RegistryHttpOptions {
  /** Registry base URL, e.g. `http://127.0.0.1:4873`. */
  registry: string;
  /** Client home (`$AGENTGOV_HOME`). */
  home: string;
  /** Clock, Unix seconds (tests). */
  now?: () => number;
}

/** A verified index with what the client stores about it. */
export interface VerifiedIndex {
  index: PackageIndex;
  state: IndexState;
}

const INDEX_BYTES = 1024 * 1024 + 256 * 1024;

/** A verified session with one registry; see the module comment. */
export class RegistrySession {
  readonly #indexes = new Map<string, IndexState>();

  private constructor(
    readonly http: RegistryHttp,
    readonly url: string,
    readonly home: string,
    readonly root: VerifiedRoot,
    readonly log: LogClient,
    readonly state: RegistryState,
    readonly now: () => number,
  ) {}

  /** The log origin named by the root. */
  get origin(): string {
    return this.root.root.origin;
  }

  /** Opens a session: root chain, then the checkpoint. */
  static async open(options: OpenRegistryOptions): Promise<RegistrySession> {
    const now = options.now ?? (() => Math.floor(Date.now() / 1000));
    const http = new RegistryHttp(options.registry, options);
    try {
      const state = new RegistryState(registryStateDir(options.home, http.baseUrl));
      const store = await loadTrustStore(options.home);
      const pinned = store.registries[http.baseUrl]?.rootSha256;
      const stored = await state.root();
      const root = await verifyRootChain(http, {
        now: now(),
        ...(pinned === undefined ? {} : { pinnedRoot1Sha256: pinned }),
        ...(stored === undefined ? {} : { stored: stored.envelope, storedRoot1Sha256: stored.root1Sha256 }),
      });
      const storedCp = await state.checkpoint();
      const previous = storedCp === undefined ? undefined : parseStoredCheckpoint(storedCp, root.root.origin);
      const log = new LogClient(http, root.root.origin, logKey(root.root), previous, now);
      await log.refresh();
      return new RegistrySession(http, http.baseUrl, options.home, root, log, state, now);
    } catch (error) {
      http.close();
      throw error;
    }
  }

  /** Fetches and verifies the signed index of `name` (see the module comment). */
  async index(name: string): Promise<VerifiedIndex> {
    const path = `/v1/packages/${name}/index`;
    const { body } = await this.http.request({ method: "GET", path, maxBytes: INDEX_BYTES });
    const keys = roleKeys(this.root.root, "index");
    const result = verifyEnvelope<PackageIndex>(new Uint8Array(body), {
      kind: "index", trustedKeys: keys.keys, threshold: keys.threshold, validate: validatePackageIndex, maxBytes: INDEX_BYTES,
    });
    if (!result.ok) throw result.error;
    const index = result.statement;
    if (index.name !== name) throw new RegistryError("REGISTRY_ROLLBACK", `asked for the index of ${name}, got ${index.name}`);
    if (index.registry !== undefined && index.registry !== this.origin) {
      throw new RegistryError("REGISTRY_LOG_FORK", `index of ${name} is for registry ${index.registry}`);
    }
    const digest = sha256(result.payload);
    const previous = this.#indexes.get(name) ?? await this.state.index(name);
    checkIndexUpdate(index, digest, this.now(), previous);
    await this.log.assertConsistentHead(index.checkpoint.size, index.checkpoint.root);
    const state: IndexState = { indexVersion: index.indexVersion, digest, versions: [...new Set([...(previous?.versions ?? []), ...Object.keys(index.versions)])] };
    this.#indexes.set(name, state);
    return { index, state };
  }

  /**
   * Persists what this session verified (root, checkpoint, index states) and, on a first use,
   * pins root 1 in the trust store. Call only once the operation commits.
   */
  async commit(): Promise<void> {
    await this.state.saveRoot(this.root.root1Sha256, this.root.text);
    await this.state.saveCheckpoint(JSON.stringify(storedCheckpoint(this.log.checkpoint)));
    for (const [name, state] of this.#indexes) await this.state.saveIndex(name, state);
    if (this.root.firstUse) {
      const store = await loadTrustStore(this.home);
      if (store.registries[this.url] === undefined) {
        await saveTrustStore({ ...store, registries: { ...store.registries, [this.url]: { rootSha256: this.root.root1Sha256 } } }, this.home);
      }
    }
  }

  /** Closes idle connections. */
  close(): void {
    this.http.close();
  }
}

function logKey(root: RegistryRoot): Uint8Array {
  const { keys } = roleKeys(root, "log");
  const key = keys[0];
  if (keys.length !== 1 || key === undefined) throw new RegistryError("REGISTRY_REQUEST_INVALID", "root: the log role must have exactly one key");
  return key;
}

/** Convenience: {@link RegistrySession.open}. */
export function openRegistry(options: OpenRegistryOptions): Promise<RegistrySession> {
  return RegistrySession.open(options);
}
