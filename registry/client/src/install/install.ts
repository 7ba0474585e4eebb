/**
 * Local install (REGISTRY.md §7.2 minus the network steps, §7.4): lock, stale staging
 * cleanup, staging, envelope and digest verification, two-pass extraction, exact tree match,
 * capability consent, atomic rename into an immutable versioned folder, lockfile last.
 * No plugin code is run or imported.
 */
import { agentgovHome } from "../util/home.js";
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { lstat, mkdir, open, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DEFAULT_LIMITS, RegistryError, canonicalBytes, capabilitiesSha256, checkArtifact, grantFromManifest,
  emptyGrant, manifestSha256, verifyManifestEnvelope,
  type Capabilities, type Manifest, type ManifestFile, type PluginGrant, type ProtocolLimits,
} from "@agentgov/registry-protocol";
import { extractArchive, scanArchive, type ExtractOptions } from "./extract.js";
import { LOCKFILE, readLockfile, type LockedPlugin, type Lockfile } from "./lockfile.js";
import { commitStaged, type StagedPlugin } from "./commit-staged.js";
import { readUnsignedTree } from "./unsigned-tree.js";
import { applyScannedModes, copyAndHash, fileSha256, hexEqual, inStaging, readBounded } from "./store-ops.js";

const READ_CHUNK = 1024 * 1024;
/** Upper bound when reading an installed `.agentgov/manifest.json` back. */
const MAX_MANIFEST_FILE = 1024 * 1024;

export type { LockedPlugin } from "./lockfile.js";

/** Trust inputs shared by install and load. */
export interface TrustOptions {
  /** Public keys permitted by the trust policy (raw 32 bytes). */
  trustedKeys: readonly Uint8Array[];
  /** Distinct trusted signers required; default 1. */
  threshold?: number;
  /** Home folder; default `$AGENTGOV_HOME`, else `~/.agentgov`. */
  home?: string;
  /** Project folder holding `agentgov-lock.json`; default the current folder. */
  projectDir?: string;
  /** Client limits (§9); default {@link DEFAULT_LIMITS}. */
  limits?: ProtocolLimits;
}

/** Options of {@link installLocal}. */
export interface InstallLocalOptions extends TrustOptions {
  /** The requested package; an envelope for anything else is rejected. */
  expect?: { name: string; version: string };
  /** Non-interactive consent: must equal sha256 of JCS(capabilities). */
  yesCapabilities?: string;
  /** Interactive consent; resolves true to accept. */
  confirm?: (request: { capabilities: Capabilities; capabilitiesSha256: string; previous?: string }) => Promise<boolean>;
  /** Lock wait before `REGISTRY_STORE_CORRUPT`; default 30 s. */
  lockTimeoutMs?: number;
  /** Passed to the extract pass (see {@link ExtractOptions.beforeWrite}); default none. */
  beforeWrite?: ExtractOptions["beforeWrite"];
  /**
   * Runs under the install lock after the plugin folder is in place and before the lockfile
   * is written (§7.2 step 9: registry state and TOFU pins, then the lockfile last). A throw
   * rejects the install and leaves the lockfile untouched.
   */
  onCommit?: (grant: PluginGrant) => Promise<void>;
}

/** The outcome of {@link installLocal}. */
export interface InstallResult {
  /** Installed folder. */
  dir: string;
  /** The plugin's grant (§4.4). */
  grant: PluginGrant;
  /** False when the same version was already installed. */
  created: boolean;
}

/** The home folder for an install: the option, else `$AGENTGOV_HOME`, else `~/.agentgov`. */
function homeOf(home: string | undefined): string {
  return home ?? agentgovHome();
}

/** Folder name of an installed plugin (`/` becomes `+`). */
export function pluginFolderName(name: string, version: string): string {
  return `${name.replace("/", "+")}@${version}`;
}

/** SHA-256, size and exec bit of every regular file under `root` (paths relative, `/`-separated); folders and files only. */
export async function hashTree(root: string): Promise<Map<string, { size: number; sha256: string; exec: boolean }>> {
  const out = new Map<string, { size: number; sha256: string; exec: boolean }>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      const path = rel === "" ? name : `${rel}/${name}`;
      const st = await lstat(abs);
      if (st.isDirectory()) await walk(abs, path);
      else if (st.isFile()) {
        const hash = createHash("sha256");
        const handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          const buf = Buffer.alloc(READ_CHUNK);
          for (;;) {
            const { bytesRead } = await handle.read(buf, 0, READ_CHUNK, null);
            if (bytesRead === 0) break;
            hash.update(buf.subarray(0, bytesRead));
          }
        } finally {
          await handle.close();
        }
        out.set(path, { size: st.size, sha256: hash.digest("hex"), exec: (st.mode & 0o111) !== 0 });
      } else {
        throw new RegistryError("REGISTRY_TREE_MISMATCH", "not a regular file or folder", { path });
      }
    }
  };
  await walk(root, "");
  return out;
}

/** Throws `REGISTRY_TREE_MISMATCH` unless the files under `root` equal `files` (signed, or an unsigned install's record) exactly. */
export async function assertTreeMatches(root: string, manifest: { readonly files: readonly ManifestFile[] }, skip: readonly string[] = []): Promise<void> {
  const actual = await hashTree(root);
  for (const s of skip) for (const k of [...actual.keys()]) if (k.startsWith(`${s}/`)) actual.delete(k);
  if (actual.size !== manifest.files.length) throw new RegistryError("REGISTRY_TREE_MISMATCH", "file count differs from the signed file list");
  for (const f of manifest.files) {
    const a = actual.get(f.path);
    if (a === undefined || a.size !== f.size || !hexEqual(a.sha256, f.sha256) || a.exec !== f.exec) {
      throw new RegistryError("REGISTRY_TREE_MISMATCH", "installed file differs from the signed file list", { path: f.path });
    }
  }
}

function verifyOrThrow(envelope: Uint8Array, options: TrustOptions, expect?: { name: string; version: string }) {
  const result = verifyManifestEnvelope(envelope, {
    trustedKeys: options.trustedKeys, threshold: options.threshold ?? 1, ...(expect === undefined ? {} : { expect }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  if (!result.ok) throw result.error;
  return result;
}

/** Inputs of {@link stageSigned}. */
export interface StageSignedOptions extends TrustOptions {
  /** The requested package; an envelope for anything else is rejected. */
  expect?: { name: string; version: string };
  /** Non-interactive consent: must equal sha256 of JCS(capabilities). */
  yesCapabilities?: string;
  /** Interactive consent; resolves true to accept. */
  confirm?: InstallLocalOptions["confirm"];
  /** Passed to the extract pass. */
  beforeWrite?: ExtractOptions["beforeWrite"];
  /** The project's lockfile as read under the install lock (for the consent diff). */
  lock: Lockfile;
  /** Lockfile fields added to this plugin's record (registry installs: `logIndex`). */
  extraRecord?: Partial<LockedPlugin>;
  /** Checks the plugin's lockfile record before consent is asked (`--frozen-lockfile`); a throw rejects the install. */
  checkRecord?: (name: string, record: LockedPlugin) => void;
}

/**
 * §7.2 steps 4–7 for one signed plugin inside this install's staging: verifies `envelopeBytes`,
 * has `placeBlob` put the tarball at `<work>/blob.tgz` and check it against the signed artifact
 * (copy or download, SHA-512 and size), scans and extracts into `<work>/tree`, matches the tree,
 * asks for consent and writes `.agentgov/`. Nothing outside `work` is written.
 */
export async function stageSigned(
  work: string, plugins: string, envelopeBytes: Uint8Array, options: StageSignedOptions,
  placeBlob: (blob: string, artifact: Manifest["artifact"]) => Promise<void>,
): Promise<StagedPlugin> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { statement: manifest, keyids } = verifyOrThrow(envelopeBytes, options, options.expect);
  if (manifest.artifact.size > limits.tarballBytes) {
    throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `tarball of ${String(manifest.artifact.size)} bytes is over ${String(limits.tarballBytes)}`);
  }
  const blob = join(work, "blob.tgz");
  await placeBlob(blob, manifest.artifact);
  const tree = join(work, "tree");
  await mkdir(tree, { mode: 0o700 });
  const scanned = await scanArchive(blob, manifest, limits);
  await extractArchive(blob, tree, scanned, { limits, ...(options.beforeWrite === undefined ? {} : { beforeWrite: options.beforeWrite }) });
  await applyScannedModes(tree, scanned);
  await assertTreeMatches(tree, manifest);

  const capsSha = capabilitiesSha256(manifest.capabilities);
  const digest = manifestSha256(manifest);
  const record: LockedPlugin = {
    version: manifest.version, sha512: manifest.artifact.sha512, manifestSha256: digest, keyids, capabilitiesSha256: capsSha,
    ...options.extraRecord,
  };
  options.checkRecord?.(manifest.name, record);
  const previous = options.lock.plugins[manifest.name];
  if (previous === undefined || !hexEqual(previous.capabilitiesSha256, capsSha)) {
    const consented = options.yesCapabilities !== undefined
      ? hexEqual(options.yesCapabilities, capsSha)
      : options.confirm !== undefined && await options.confirm({
        capabilities: manifest.capabilities, capabilitiesSha256: capsSha,
        ...(previous === undefined ? {} : { previous: previous.capabilitiesSha256 }),
      });
    if (!consented) {
      throw new RegistryError("REGISTRY_CONSENT_REQUIRED", `capabilities of ${manifest.name}@${manifest.version} need consent: --yes-capabilities=${capsSha}`);
    }
  }

  const meta = join(tree, ".agentgov");
  await mkdir(meta, { mode: 0o755 });
  await writeFile(join(meta, "manifest.json"), canonicalBytes(manifest), { mode: 0o644 });
  await writeFile(join(meta, "envelope.json"), envelopeBytes, { mode: 0o644 });
  await writeFile(join(meta, "receipt.json"), JSON.stringify({ source: "local", manifestSha256: digest }), { mode: 0o644 });
  return {
    name: manifest.name, version: manifest.version, tree,
    dir: join(plugins, pluginFolderName(manifest.name, manifest.version)),
    sameInstall: async (existing) => hexEqual(await fileSha256(join(existing, ".agentgov", "manifest.json"), MAX_MANIFEST_FILE), digest),
    grant: grantFromManifest(manifest, keyids),
    record,
  };
}

/**
 * Installs a local signed plugin: `tarball` (`.tgz`) and `envelope` (DSSE JSON file).
 * On any rejection nothing is written outside this install's staging folder, which is removed.
 */
export async function installLocal(tarball: string, envelope: string, options: InstallLocalOptions): Promise<InstallResult> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const plugins = join(homeOf(options.home), "plugins");
  const projectDir = options.projectDir ?? process.cwd();
  return inStaging(plugins, options.lockTimeoutMs ?? 30_000, async (staging) => {
    const envelopeBytes = await readBounded(envelope, limits.envelopeBytes);
    const lock = await readLockfile(projectDir);
    const { onCommit } = options;
    const staged = await stageSigned(staging, plugins, envelopeBytes, { ...options, lock }, async (blob, artifact) => {
      checkArtifact(artifact, await copyAndHash(tarball, blob, artifact.size));
    });
    const [committed] = await commitStaged([staged], lock, projectDir, onCommit === undefined ? undefined : () => onCommit(staged.grant));
    return { dir: staged.dir, grant: staged.grant, created: committed?.created ?? false };
  });
}

/** Options of {@link loadInstalledPlugin}. */
export interface LoadOptions extends TrustOptions {
  /** Re-hash the installed tree (default true). */
  rehash?: boolean;
}

/**
 * Where the lockfile says `name` is installed: its folder and lockfile record. Not in the
 * lockfile is `REGISTRY_VERSION_UNAVAILABLE`.
 */
export async function lockedPlugin(name: string, options: { home?: string; projectDir?: string } = {}): Promise<{ dir: string; locked: LockedPlugin }> {
  const lock = await readLockfile(options.projectDir ?? process.cwd());
  const locked = lock.plugins[name];
  if (locked === undefined) throw new RegistryError("REGISTRY_VERSION_UNAVAILABLE", `${name} is not in ${LOCKFILE}`);
  return { dir: join(homeOf(options.home), "plugins", pluginFolderName(name, locked.version)), locked };
}

/** A re-verified installed plugin: see {@link loadInstalled}. */
export interface LoadedPlugin {
  /** The grant to hand the kernel; the empty grant (no key ids, no capabilities) for an unsigned install. */
  grant: PluginGrant;
  /** True for a version installed without a publisher signature (`--allow-unsigned`). */
  unsigned: boolean;
  /** The installed folder. */
  dir: string;
}

/**
 * Re-verifies an installed plugin and returns its grant. Signed: the stored envelope under
 * the trust options, its manifest digest equal to the lockfile's, and by default the file
 * tree against the signed file list. Unsigned (lockfile `unsigned: true`): the installed
 * file-list record's SHA-256 equal to the lockfile's `treeSha256`, and by default the tree
 * re-hashed against that record; the grant is always empty, whatever the package claims.
 */
export async function loadInstalled(name: string, options: LoadOptions): Promise<LoadedPlugin> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { dir, locked } = await lockedPlugin(name, options);
  if (locked.unsigned === true) {
    const record = await readUnsignedTree(dir, { name, version: locked.version, sha512: locked.sha512, treeSha256: locked.treeSha256 ?? "" });
    if (options.rehash !== false) await assertTreeMatches(dir, record, [".agentgov"]);
    return { grant: emptyGrant(name, locked.version), unsigned: true, dir };
  }
  const envelope = await readBounded(join(dir, ".agentgov", "envelope.json"), limits.envelopeBytes);
  const { statement: manifest, keyids } = verifyOrThrow(envelope, options, { name, version: locked.version });
  if (!hexEqual(manifestSha256(manifest), locked.manifestSha256 ?? "")) {
    throw new RegistryError("REGISTRY_DIGEST_MISMATCH", "installed manifest differs from the lockfile");
  }
  if (options.rehash !== false) await assertTreeMatches(dir, manifest, [".agentgov"]);
  return { grant: grantFromManifest(manifest, keyids), unsigned: false, dir };
}

/** {@link loadInstalled}, returning only the grant (the empty grant for an unsigned install). */
export async function loadInstalledPlugin(name: string, options: LoadOptions): Promise<PluginGrant> {
  return (await loadInstalled(name, options)).grant;
}
