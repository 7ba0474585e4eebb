/**
 * `installFromRegistry(name, range)` (REGISTRY.md §7.2, network half). First the install lock
 * and this install's one staging folder inside `$AGENTGOV_HOME/plugins/` (step 1); then a
 * verified session (root chain, checkpoint freshness and consistency) and, for the package and
 * each dependency (depth ≤ 8, ≤ 200 plugins, cycles and foreign registries rejected): verified
 * index (expiry, monotonic `indexVersion`), version resolution (§4.7; yanked only by exact
 * pin, blocked never, unsigned only with `allowUnsigned`), no implicit downgrade, the
 * envelope's digest equal to the index's, the publish entry proven in the log and equal to
 * the index, signing keys bound before the version and not compromised at it (§5.2; the
 * revoke entries of revoked signing keys proven and their boundary equal to the log's), keys
 * allowed by the trust policy, the manifest verified. Then every plugin of the set is
 * downloaded into staging (capped at its signed size, SHA-512 compared) or copied from the
 * blob cache (re-verified the same way; a bad cache file is discarded), safely extracted,
 * matched against its file list and consented to; only when all succeeded are the trees
 * renamed into place, blobs linked into the cache, registry state and TOFU pins written, and
 * the lockfile (with `registry` and each `logIndex`) written last, once. A failure anywhere
 * leaves store and lockfile untouched. `frozenLockfile` pins everything to the lockfile.
 * An unsigned (npm-published) version, only with `allowUnsigned`: its `publish-unsigned` log
 * entry is proven and must name the index's SHA-512, the blob is fetched and compared against
 * that digest, it goes through the same safe extraction into staging and atomic rename
 * (`stageUnsigned`), gets the empty grant, is marked `unsigned: true` in the lockfile, and a
 * warning is raised (`onWarning`, `warnings`).
 */
import { timingSafeEqual } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import {
  DEFAULT_LIMITS, RegistryError, canonicalBytes, capabilitiesSha256, fromBase64, fromHex, parseEnvelope, sha256,
  verifyManifestEnvelope, type Capabilities, type Envelope, type IndexKey, type IndexVersion, type KeyId, type Manifest, type PluginGrant,
} from "@agentgov/registry-protocol";
import { lockedPlugin, stageSigned } from "../install/install.js";
import { stageUnsigned } from "../install/install-unsigned.js";
import { commitStaged, type StagedPlugin } from "../install/commit-staged.js";
import { readLockfile, type LockedPlugin, type Lockfile } from "../install/lockfile.js";
import { assertFrozenRecord, assertFrozenRegistry, frozenRecord } from "../install/frozen-lockfile.js";
import { inStaging } from "../install/store-ops.js";
import { addToCache, copyFromCache } from "../install/blob-cache.js";
import { pinTofu } from "../trust/trust-edit.js";
import { matchesGlob } from "../trust/resolve.js";
import { loadTrustStore, saveTrustStore, type TrustStore } from "../trust/trust-store.js";
import { agentgovHome } from "../util/home.js";
import type { TransferProgress } from "./http-client.js";
import { KeyCache, keyValidAt, provenEntry } from "./publisher-keys.js";
import { resolveVersion } from "./resolve-version.js";
import { RegistrySession } from "./session.js";
import semverCompare from "./semver-compare.js";

/** Options of {@link installFromRegistry}. */
export interface InstallFromRegistryOptions {
  /** Registry base URL. */
  registry: string;
  /** Client home; default `$AGENTGOV_HOME`. */
  home?: string;
  /** Project folder holding `agentgov-lock.json`; default the current folder. */
  project?: string;
  /** Trust store to decide with; default the home's `trust.json`. */
  trust?: TrustStore;
  /**
   * Allow versions published without a signature (npm path): refused otherwise with
   * `REGISTRY_UNSIGNED`. Allowed, such a version is fetched by the index's SHA-512, safely
   * extracted, installed with an empty grant and `unsigned: true` in the lockfile, with a warning.
   */
  allowUnsigned?: boolean;
  /** Allow an exactly named prerelease. */
  prerelease?: boolean;
  /**
   * `--frozen-lockfile`: resolve every plugin to its locked version and fail unless the result
   * equals the lockfile exactly (`REGISTRY_VERSION_UNAVAILABLE` / `REGISTRY_DIGEST_MISMATCH`);
   * the lockfile is not rewritten.
   */
  frozenLockfile?: boolean;
  /** Allow installing a version below the locked one. */
  allowDowngrade?: boolean;
  /** Non-interactive consent: sha256 of JCS(capabilities) of each plugin installed. */
  yesCapabilities?: string | readonly string[];
  /** Interactive consent. */
  confirm?: (request: { plugin: string; capabilities: Capabilities; capabilitiesSha256: string; previous?: string }) => Promise<boolean>;
  /** Progress of large downloads. */
  onProgress?: (progress: TransferProgress) => void;
  /** Warnings (e.g. an exactly pinned yanked version). */
  onWarning?: (message: string) => void;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
  /** Clock, Unix seconds (tests). */
  now?: () => number;
}

/** One installed plugin. */
export interface RemoteInstalled {
  name: string;
  version: string;
  dir: string;
  created: boolean;
  grant: PluginGrant;
  logIndex: number;
  /** The trust decision pinned this publisher (TOFU first use). */
  pinned: boolean;
  /** Installed without a publisher signature (`allowUnsigned`): the grant is empty and the lockfile says `unsigned: true`. */
  unsigned: boolean;
}

/** The outcome of {@link installFromRegistry}. */
export interface InstallFromRegistryResult extends RemoteInstalled {
  registry: string;
  /** Dependencies installed first, in order. */
  dependencies: RemoteInstalled[];
  warnings: string[];
}

/** Dependency bounds (§9). */
export const DEPENDENCY_LIMITS = Object.freeze({ depth: 8, total: 200 });

/** What a signed plan item adds: the verified manifest and the trust decision. */
interface SignedPlan {
  manifest: Manifest;
  envelope: Envelope;
  trustedKeys: Uint8Array[];
  threshold: number;
  pinKeyids?: KeyId[];
  publisher: string;
}

interface Planned {
  name: string;
  version: string;
  logIndex: number;
  /** Tarball SHA-512 (hex) and size: signed, or for an unsigned version the index's. */
  sha512: string;
  size: number;
  /** Absent for an unsigned version (installed with `allowUnsigned`, empty grant). */
  signed?: SignedPlan;
}

function digestEqual(hex: string, raw: Uint8Array): boolean {
  const a = fromHex(hex);
  return a !== undefined && a.byteLength === raw.byteLength && timingSafeEqual(a, raw);
}

class Planner {
  readonly plan: Planned[] = [];
  readonly #resolved = new Map<string, string>();
  readonly #keys: KeyCache;
  readonly warnings: string[] = [];

  constructor(
    private readonly session: RegistrySession, private readonly store: TrustStore, private readonly options: InstallFromRegistryOptions,
    /** `--frozen-lockfile`: the lockfile every resolution is pinned to. */
    private readonly frozen?: Lockfile,
  ) {
    this.#keys = new KeyCache(session);
  }

  async add(name: string, request: string, path: readonly string[], root: boolean): Promise<void> {
    if (path.includes(name)) throw new RegistryError("REGISTRY_DEPENDENCY", `dependency cycle: ${[...path, name].join(" → ")}`);
    if (path.length > DEPENDENCY_LIMITS.depth) throw new RegistryError("REGISTRY_DEPENDENCY", `dependencies deeper than ${String(DEPENDENCY_LIMITS.depth)}`);
    const already = this.#resolved.get(name);
    if (already !== undefined) {
      if (!semverCompare.satisfies(already, request)) throw new RegistryError("REGISTRY_DEPENDENCY", `${name}@${already} does not satisfy ${request} (one version per plugin)`);
      return;
    }
    if (this.#resolved.size >= DEPENDENCY_LIMITS.total) throw new RegistryError("REGISTRY_DEPENDENCY", `more than ${String(DEPENDENCY_LIMITS.total)} plugins`);
    let wanted = request;
    if (this.frozen !== undefined) {
      const locked = frozenRecord(this.frozen, name).version;
      if (!(root && request === "latest") && !semverCompare.satisfies(locked, request)) {
        throw new RegistryError("REGISTRY_VERSION_UNAVAILABLE", `--frozen-lockfile: ${name} is locked at ${locked}, which ${request} does not match`);
      }
      wanted = locked;
    }
    const { index } = await this.session.index(name);
    const picked = resolveVersion(index, wanted, {
      ...((root && this.options.prerelease === true) || this.frozen !== undefined ? { prerelease: true } : {}),
      ...(this.options.allowUnsigned === true ? { allowUnsigned: true } : {}),
    });
    if (picked.warning !== undefined) {
      this.warnings.push(picked.warning);
      this.options.onWarning?.(picked.warning);
    }
    const version = picked.version;
    this.#resolved.set(name, version);
    const entry = index.versions[version];
    if (entry === undefined) throw new RegistryError("REGISTRY_VERSION_UNAVAILABLE", `${name}@${version} is not in the index`);
    await this.#checkDowngrade(name, version);
    if (entry.status === "unsigned") {
      await this.#addUnsigned(name, version, entry);
      return;
    }
    const envelopeText = (await this.session.http.request({
      method: "GET", path: `/v1/packages/${name}/${version}/envelope`, maxBytes: DEFAULT_LIMITS.envelopeBytes,
    })).body;
    const envelope = parseEnvelope(new Uint8Array(envelopeText), { maxBytes: DEFAULT_LIMITS.envelopeBytes });
    const payload = fromBase64(envelope.payload);
    if (payload === undefined || entry.manifestSha256 === undefined || !digestEqual(entry.manifestSha256, sha256(payload))) {
      throw new RegistryError("REGISTRY_DIGEST_MISMATCH", `envelope of ${name}@${version} is not the one the index names`);
    }
    // The publish entry: proven in the log and equal to the index's record.
    const logEntry = await provenEntry(this.session, entry.logIndex);
    if (logEntry.kind !== "publish" || logEntry.name !== name || logEntry.version !== version || logEntry.sha512 !== entry.sha512 ||
      logEntry.manifestSha256 !== entry.manifestSha256) {
      throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `log entry ${String(entry.logIndex)} is not the publish of ${name}@${version}`);
    }
    const publisher = logEntry.publisher;
    const signers = [...new Set(envelope.signatures.map((s) => s.keyid))];
    const indexKeys = new Map<string, IndexKey>(index.keys.map((k) => [k.keyid, k]));
    const eligible: KeyId[] = [];
    let revoked: string | undefined;
    for (const keyid of signers) {
      const key = indexKeys.get(keyid);
      if (key !== undefined) await this.#keys.assertRevocation(publisher, key);
      const state = key === undefined ? "unknown" : keyValidAt(key, entry.logIndex);
      if (state === "ok") eligible.push(keyid);
      else if (state === "revoked") revoked = keyid;
    }
    if (eligible.length === 0) {
      if (revoked !== undefined) {
        throw new RegistryError("REGISTRY_KEY_REVOKED", `${name}@${version} (log index ${String(entry.logIndex)}) was signed by ${revoked}, revoked as compromised from before it`);
      }
      throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `${name}@${version} is signed by no key bound to ${publisher} before it`);
    }
    const filtered: Envelope = { ...envelope, signatures: envelope.signatures.filter((s) => eligible.includes(s.keyid)) };
    const decision = await this.#trust(name, publisher, eligible, indexKeys);
    const verified = verifyManifestEnvelope(filtered, {
      trustedKeys: decision.trustedKeys, threshold: decision.threshold, expect: { name, version },
    });
    if (!verified.ok) throw verified.error;
    const manifest = verified.statement;
    if (manifest.publisher !== publisher) throw new RegistryError("REGISTRY_MANIFEST_INVALID", `${name} is logged for ${publisher}, signed as ${manifest.publisher}`);
    if (!digestEqual(entry.sha512, fromHex(manifest.artifact.sha512) ?? new Uint8Array()) || entry.size !== manifest.artifact.size) {
      throw new RegistryError("REGISTRY_DIGEST_MISMATCH", `index and manifest of ${name}@${version} disagree on the tarball`);
    }
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) await this.add(dep, range, [...path, name], false);
    this.plan.push({
      name, version, logIndex: entry.logIndex, sha512: manifest.artifact.sha512, size: manifest.artifact.size,
      signed: {
        manifest, envelope: filtered, trustedKeys: decision.trustedKeys, threshold: decision.threshold,
        publisher, ...(decision.pin === undefined ? {} : { pinKeyids: decision.pin }),
      },
    });
  }

  /**
   * An unsigned (npm-published) version, reached only with `allowUnsigned`: its
   * `publish-unsigned` entry must be proven in the log and name the index's SHA-512; that
   * digest is all that vouches for the bytes. Loud warning; no dependencies are followed
   * (there is no signed manifest to name them).
   */
  async #addUnsigned(name: string, version: string, entry: IndexVersion): Promise<void> {
    if (this.options.allowUnsigned !== true) {
      throw new RegistryError("REGISTRY_UNSIGNED", `${name}@${version} is unsigned (published with npm); pass --allow-unsigned`);
    }
    const logEntry = await provenEntry(this.session, entry.logIndex);
    if (logEntry.kind !== "publish-unsigned" || logEntry.name !== name || logEntry.version !== version || logEntry.sha512 !== entry.sha512) {
      throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `log entry ${String(entry.logIndex)} is not the unsigned publish of ${name}@${version}`);
    }
    const warning = `${name}@${version} is UNSIGNED (npm-published): no publisher signature vouches for it, only the registry's SHA-512; ` +
      "installed with an EMPTY grant (no capabilities), marked unsigned in agentgov-lock.json";
    this.warnings.push(warning);
    this.options.onWarning?.(warning);
    this.plan.push({ name, version, logIndex: entry.logIndex, sha512: entry.sha512, size: entry.size });
  }

  async #checkDowngrade(name: string, version: string): Promise<void> {
    if (this.options.allowDowngrade === true) return;
    let locked: string | undefined;
    try {
      locked = (await lockedPlugin(name, { projectDir: this.options.project ?? process.cwd() })).locked.version;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "REGISTRY_VERSION_UNAVAILABLE") throw error;
    }
    if (locked !== undefined && semverCompare.lt(version, locked)) {
      throw new RegistryError("REGISTRY_ROLLBACK", `${name}@${version} is below the locked ${locked}; pass --allow-downgrade`);
    }
  }

  async #trust(name: string, publisher: string, signers: KeyId[], indexKeys: Map<string, IndexKey>): Promise<{ trustedKeys: Uint8Array[]; threshold: number; pin?: KeyId[] }> {
    const policy = this.store.policies.find((p) => matchesGlob(p.match, name));
    if (policy === undefined) throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `no trust policy matches ${name}`);
    const fromRegistry = async (ids: readonly KeyId[]): Promise<Uint8Array[]> => {
      const out: Uint8Array[] = [];
      for (const id of ids) {
        const key = indexKeys.get(id);
        if (key !== undefined) out.push(await this.#keys.get(publisher, key));
      }
      return out;
    };
    if (policy.mode === "pinned") {
      const keys = (policy.keyids ?? []).flatMap((id) => {
        const raw = this.store.keys[id] === undefined ? undefined : fromBase64(this.store.keys[id].publicKey);
        return raw === undefined ? [] : [raw];
      });
      return { trustedKeys: keys, threshold: policy.threshold ?? 1 };
    }
    if (policy.mode === "tofu") {
      const pin = this.store.tofu[publisher];
      if (pin !== undefined) {
        const changed = signers.find((id) => !pin.keyids.includes(id));
        if (changed !== undefined) {
          throw new RegistryError("REGISTRY_KEY_CHANGED", `${publisher} is pinned to other keys; ${changed} is new (run trust accept ${publisher})`);
        }
        return { trustedKeys: await fromRegistry(signers), threshold: 1 };
      }
      return { trustedKeys: await fromRegistry(signers), threshold: 1, pin: signers };
    }
    return { trustedKeys: await fromRegistry(signers), threshold: 1 };
  }
}

/** Downloads `item`'s blob to `file` (create-only), capped at its size; SHA-512 and size compared in constant time. */
async function download(session: RegistrySession, item: Planned, file: string): Promise<void> {
  const handle = await open(file, "wx", 0o600);
  let pending = Promise.resolve();
  try {
    const got = await session.http.download(`/v1/blobs/sha512/${item.sha512}`, item.size, (chunk) => {
      pending = pending.then(async () => { await handle.write(chunk); });
    });
    await pending;
    if (got.size !== item.size || !digestEqual(item.sha512, got.sha512)) {
      throw new RegistryError("REGISTRY_DIGEST_MISMATCH", `downloaded tarball of ${item.name}@${item.version} is not the ${item.signed === undefined ? "indexed" : "signed"} one`);
    }
    await handle.sync();
  } finally {
    await pending.catch(() => undefined);
    await handle.close();
  }
}

function consentFor(options: InstallFromRegistryOptions, manifest: Manifest): { yesCapabilities?: string } {
  const yes = options.yesCapabilities;
  if (yes === undefined) return {};
  const list = typeof yes === "string" ? [yes] : yes;
  const want = capabilitiesSha256(manifest.capabilities);
  return { yesCapabilities: list.find((y) => y === want) ?? list[0] ?? "" };
}

/** The plugins one {@link runInstall} committed, in plan order (dependencies before dependents). */
interface RunResult {
  installed: RemoteInstalled[];
  registry: string;
  warnings: string[];
}

/** Plans `roots` (each with its dependencies), stages all of them in one staging folder and commits them together. */
async function runInstall(roots: readonly { name: string; range: string }[], options: InstallFromRegistryOptions): Promise<RunResult> {
  const home = options.home ?? agentgovHome();
  const project = options.project ?? process.cwd();
  const plugins = join(home, "plugins");
  // §7.2 step 1 first: the install lock and this install's staging folder, then the network steps.
  return inStaging(plugins, 30_000, async (staging) => {
    const session = await RegistrySession.open({
      registry: options.registry, home,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    try {
      const lock = await readLockfile(project);
      const frozen = options.frozenLockfile === true ? lock : undefined;
      if (frozen !== undefined) assertFrozenRegistry(frozen, session.url);
      const store = options.trust ?? await loadTrustStore(home);
      const planner = new Planner(session, store, { ...options, project }, frozen);
      for (const root of roots) await planner.add(root.name, root.range, [], true);
      const staged: StagedPlugin[] = [];
      for (const [i, item] of planner.plan.entries()) {
        const work = join(staging, String(i));
        await mkdir(work, { mode: 0o700 });
        const place = async (blob: string): Promise<void> => {
          if (!await copyFromCache(home, item.sha512, item.size, blob)) await download(session, item, blob);
        };
        const extraRecord = { logIndex: item.logIndex };
        const signed = item.signed;
        if (signed === undefined) {
          staged.push(await stageUnsigned(work, plugins, { name: item.name, version: item.version, sha512: item.sha512, size: item.size, extraRecord }, place));
          continue;
        }
        staged.push(await stageSigned(work, plugins, canonicalBytes(signed.envelope), {
          trustedKeys: signed.trustedKeys, threshold: signed.threshold, expect: { name: item.name, version: item.version }, lock, extraRecord,
          ...(frozen === undefined ? {} : { checkRecord: (n: string, record: LockedPlugin) => { assertFrozenRecord(lock, n, record); } }),
          ...consentFor(options, signed.manifest),
          ...(options.confirm === undefined ? {} : {
            confirm: (request) => options.confirm?.({ plugin: item.name, ...request }) ?? Promise.resolve(false),
          }),
        }, place));
      }
      if (frozen !== undefined) for (const item of staged) assertFrozenRecord(lock, item.name, item.record);
      lock.registry = session.url;
      const committed = await commitStaged(staged, lock, project, async () => {
        for (const [i, item] of planner.plan.entries()) await addToCache(home, item.sha512, join(staging, String(i), "blob.tgz"));
        await session.commit();
        let current = await loadTrustStore(home);
        let changed = false;
        for (const [i, item] of planner.plan.entries()) {
          const pin = item.signed?.pinKeyids;
          const grant = staged[i]?.grant;
          if (pin === undefined || item.signed === undefined || grant === undefined || current.tofu[item.signed.publisher] !== undefined) continue;
          current = pinTofu(current, item.signed.publisher, grant.keyids, item.logIndex);
          changed = true;
        }
        if (changed) await saveTrustStore(current, home);
      }, { keepLockfile: frozen !== undefined });
      const installed: RemoteInstalled[] = committed.map(({ staged: s, created }, i) => {
        const item = planner.plan[i];
        return {
          name: s.name, version: s.version, dir: s.dir, created, grant: s.grant, logIndex: item?.logIndex ?? 0,
          pinned: item?.signed?.pinKeyids !== undefined, unsigned: item?.signed === undefined,
        };
      });
      return { installed, registry: session.url, warnings: planner.warnings };
    } finally {
      session.close();
    }
  });
}

/** Installs `name` at `range` (version, range or dist-tag; default `latest`) from a registry; see the module comment. */
export async function installFromRegistry(name: string, range: string | undefined, options: InstallFromRegistryOptions): Promise<InstallFromRegistryResult> {
  const { installed, registry, warnings } = await runInstall([{ name, range: range ?? "latest" }], options);
  const top = installed[installed.length - 1];
  if (top === undefined) throw new Error("empty install plan");
  return { ...top, registry, dependencies: installed.slice(0, -1), warnings };
}

/** The outcome of {@link installFromLockfile}. */
export interface InstallFromLockfileResult {
  registry: string;
  /** Every plugin of the lockfile, dependencies before dependents. */
  installed: RemoteInstalled[];
  warnings: string[];
}

/**
 * `agentgov plugin install --frozen-lockfile` without a name: installs every plugin of the
 * project's lockfile at exactly its locked version, as one atomic set, and fails (leaving store
 * and lockfile untouched) if anything would differ from the lockfile (see `frozen-lockfile.ts`).
 */
export async function installFromLockfile(options: InstallFromRegistryOptions): Promise<InstallFromLockfileResult> {
  const lock = await readLockfile(options.project ?? process.cwd());
  const roots = Object.entries(lock.plugins).map(([name, record]) => ({ name, range: record.version }));
  if (roots.length === 0) throw new RegistryError("REGISTRY_VERSION_UNAVAILABLE", "--frozen-lockfile: the lockfile names no plugin");
  return runInstall(roots, { ...options, frozenLockfile: true });
}
