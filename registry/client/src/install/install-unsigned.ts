/**
 * Install of an unsigned (npm-published) version (REGISTRY.md §6.3, §7.2 steps 1, 5, 6, 9,
 * §7.3, §7.4), used only when the operator passed `--allow-unsigned`. There is no publisher
 * signature and no manifest: the only anchor is the tarball's SHA-512 from the registry's
 * signed index. The bytes are copied into staging capped at the indexed size and compared
 * with that digest in constant time, then go through the same two-pass safe extraction as a
 * signed plugin (every archive rule and §9 budget; no signed file list), the tree is moved
 * into its immutable versioned folder, and the lockfile is written last with `unsigned: true`.
 * The plugin's grant is empty (no capabilities), so there is nothing to consent to; the
 * kernel denies anything on its behalf outside policies that explicitly allow it.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DEFAULT_LIMITS, RegistryError, capabilitiesSha256, checkArtifact, emptyCapabilities, emptyGrant, toBase64, fromHex,
  type PluginGrant, type ProtocolLimits,
} from "@agentgov/registry-protocol";
import { agentgovHome } from "../util/home.js";
import { extractArchive, scanArchive, type ExtractOptions } from "./extract.js";
import { assertTreeMatches, pluginFolderName, type InstallResult } from "./install.js";
import { readLockfile, type LockedPlugin } from "./lockfile.js";
import { commitStaged, type StagedPlugin } from "./commit-staged.js";
import { applyScannedModes, copyAndHash, fileSha256, hexEqual, inStaging } from "./store-ops.js";
import { UNSIGNED_TREE_FILE, UNSIGNED_TREE_TYPE, encodeUnsignedTree, type UnsignedTree } from "./unsigned-tree.js";

/** Options of {@link installUnsigned}. */
export interface InstallUnsignedOptions {
  /** Package name (from the verified index). */
  name: string;
  /** Exact version (from the verified index). */
  version: string;
  /** Lowercase hex SHA-512 of the tarball, from the registry's signed index. */
  sha512: string;
  /** Exact tarball size, from the registry's signed index. */
  size: number;
  /** Home folder; default `$AGENTGOV_HOME`, else `~/.agentgov`. */
  home?: string;
  /** Project folder holding `agentgov-lock.json`; default the current folder. */
  projectDir?: string;
  /** Client limits (§9); default {@link DEFAULT_LIMITS}. */
  limits?: ProtocolLimits;
  /** Lock wait before `REGISTRY_STORE_CORRUPT`; default 30 s. */
  lockTimeoutMs?: number;
  /** Passed to the extract pass (see {@link ExtractOptions.beforeWrite}). */
  beforeWrite?: ExtractOptions["beforeWrite"];
  /** Runs under the install lock after the folder is in place, before the lockfile (a throw rejects the install). */
  onCommit?: (grant: PluginGrant) => Promise<void>;
}

/** The outcome of {@link installUnsigned}: the grant is always the empty grant. */
export interface UnsignedInstallResult extends InstallResult {
  unsigned: true;
}

/** Inputs of {@link stageUnsigned}. */
export interface StageUnsignedOptions {
  name: string;
  version: string;
  /** Lowercase hex SHA-512 of the tarball, from the registry's signed index. */
  sha512: string;
  /** Exact tarball size, from the registry's signed index. */
  size: number;
  limits?: ProtocolLimits;
  beforeWrite?: ExtractOptions["beforeWrite"];
  /** Lockfile fields added to the record (registry installs: `logIndex`). */
  extraRecord?: Partial<LockedPlugin>;
}

/** Throws unless the index's digest and size are usable; returns the raw digest. */
function checkIndexed(options: StageUnsignedOptions, limits: ProtocolLimits): Uint8Array {
  const { name, version } = options;
  const expected = fromHex(options.sha512);
  if (expected?.byteLength !== 64) throw new RegistryError("REGISTRY_DIGEST_MISMATCH", `${name}@${version}: the registry's SHA-512 is malformed`);
  if (!Number.isSafeInteger(options.size) || options.size < 0) throw new RegistryError("REGISTRY_REQUEST_INVALID", `${name}@${version}: invalid tarball size`);
  if (options.size > limits.tarballBytes) {
    throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `tarball of ${String(options.size)} bytes is over ${String(limits.tarballBytes)}`);
  }
  return expected;
}

/**
 * §7.2 steps 5–6 for one unsigned version inside this install's staging: `placeBlob` puts the
 * tarball at `<work>/blob.tgz` checked against the indexed artifact, then safe extraction into
 * `<work>/tree` and the file-list record. Nothing outside `work` is written.
 */
export async function stageUnsigned(
  work: string, plugins: string, options: StageUnsignedOptions,
  placeBlob: (blob: string, artifact: { filename: string; size: number; sha512: string; integrity: string }) => Promise<void>,
): Promise<StagedPlugin> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { name, version } = options;
  const expected = checkIndexed(options, limits);
  const blob = join(work, "blob.tgz");
  await placeBlob(blob, { filename: "", size: options.size, sha512: options.sha512, integrity: `sha512-${toBase64(expected)}` });
  const tree = join(work, "tree");
  await mkdir(tree, { mode: 0o700 });
  const scanned = await scanArchive(blob, undefined, limits);
  await extractArchive(blob, tree, scanned, { limits, ...(options.beforeWrite === undefined ? {} : { beforeWrite: options.beforeWrite }) });
  await applyScannedModes(tree, scanned);
  const record: UnsignedTree = { _type: UNSIGNED_TREE_TYPE, name, version, sha512: options.sha512, files: scanned.files };
  await assertTreeMatches(tree, record);
  const encoded = encodeUnsignedTree(record);
  await mkdir(join(tree, ".agentgov"), { mode: 0o755 });
  await writeFile(join(tree, UNSIGNED_TREE_FILE), encoded.bytes, { mode: 0o644 });
  return {
    name, version, tree, dir: join(plugins, pluginFolderName(name, version)),
    sameInstall: async (existing) => hexEqual(await fileSha256(join(existing, UNSIGNED_TREE_FILE), 4 * 1024 * 1024), encoded.sha256),
    grant: emptyGrant(name, version),
    record: {
      version, sha512: options.sha512, keyids: [], capabilitiesSha256: capabilitiesSha256(emptyCapabilities()), unsigned: true, treeSha256: encoded.sha256,
      ...options.extraRecord,
    },
  };
}

/**
 * Installs the unsigned tarball at `tarball` (see the module comment). On any rejection
 * nothing is written outside this install's staging folder, which is removed.
 */
export async function installUnsigned(tarball: string, options: InstallUnsignedOptions): Promise<UnsignedInstallResult> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const plugins = join(options.home ?? agentgovHome(), "plugins");
  const projectDir = options.projectDir ?? process.cwd();
  checkIndexed(options, limits);
  return inStaging(plugins, options.lockTimeoutMs ?? 30_000, async (staging) => {
    const staged = await stageUnsigned(staging, plugins, options, async (blob, artifact) => {
      checkArtifact(artifact, await copyAndHash(tarball, blob, options.size));
    });
    const lock = await readLockfile(projectDir);
    const { onCommit } = options;
    const [committed] = await commitStaged([staged], lock, projectDir, onCommit === undefined ? undefined : () => onCommit(staged.grant));
    return { dir: staged.dir, grant: staged.grant, created: committed?.created ?? false, unsigned: true };
  });
}
