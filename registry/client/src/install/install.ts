/**
 * Local install (REGISTRY.md §7.2 minus the network steps, §7.4): lock, stale staging
 * cleanup, staging, envelope and digest verification, two-pass extraction, exact tree match,
 * capability consent, atomic rename into an immutable versioned folder, lockfile last.
 * No plugin code is run or imported.
 */
import { agentgovHome } from "../util/home.js";
import { createHash, timingSafeEqual } from "node:crypto";
import { constants } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DEFAULT_LIMITS, RegistryError, canonicalBytes, capabilitiesSha256, checkArtifact, grantFromManifest,
  manifestSha256, parseJsonBounded, verifyManifestEnvelope,
  type Capabilities, type KeyId, type Manifest, type PluginGrant, type ProtocolLimits,
} from "@agentgov/registry-protocol";
import { extractArchive, scanArchive, type ExtractOptions, type ScannedTree } from "./extract.js";
import { isStoreFailure, storeFailure } from "../util/store-errors.js";

const READ_CHUNK = 1024 * 1024;
const LOCKFILE = "agentgov-lock.json";
const STALE_EMPTY_LOCK_MS = 10_000;

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

/** One plugin's lockfile record. */
export interface LockedPlugin {
  /** Installed version. */
  version: string;
  /** Signed tarball SHA-512 (hex). */
  sha512: string;
  /** SHA-256 of the canonical manifest (hex). */
  manifestSha256: string;
  /** Key ids whose signatures verified. */
  keyids: KeyId[];
  /** SHA-256 of JCS(capabilities): what the operator consented to. */
  capabilitiesSha256: string;
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

function hexEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Reads at most `max + 1` bytes of `file` (bounded memory; callers reject the overflow with their own code). */
async function readBounded(file: string, max: number): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY);
  try {
    const buf = Buffer.alloc(max + 1);
    let fill = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, fill, buf.length - fill, null);
      if (bytesRead === 0 || (fill += bytesRead) === buf.length) break;
    }
    return buf.subarray(0, fill);
  } finally {
    await handle.close();
  }
}

async function acquireLock(plugins: string, timeoutMs: number): Promise<() => Promise<void>> {
  const lock = join(plugins, ".lock");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lock, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number((await readFile(lock, "utf8").catch(() => "")).trim());
      let alive = true;
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid) {
        try { process.kill(pid, 0); } catch (e) { alive = (e as NodeJS.ErrnoException).code !== "ESRCH"; }
      } else if (!(pid > 0)) {
        // A holder killed between creating and writing the lock leaves it empty.
        const st = await lstat(lock).catch(() => undefined);
        alive = st !== undefined && Date.now() - st.mtimeMs < STALE_EMPTY_LOCK_MS;
      }
      if (!alive) { await rm(lock, { force: true }); continue; }
      if (Date.now() > deadline) throw new RegistryError("REGISTRY_STORE_CORRUPT", "timed out waiting for the install lock");
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Copies `src` into `dest` with 1 MiB reads, hashing SHA-512, aborting after `max + 1` bytes. */
async function copyAndHash(src: string, dest: string, max: number): Promise<{ size: number; sha512: Uint8Array }> {
  const hash = createHash("sha512");
  const input = await open(src, constants.O_RDONLY);
  const output = await open(dest, "wx", 0o600);
  try {
    const buf = Buffer.alloc(READ_CHUNK);
    let size = 0;
    for (;;) {
      const want = Math.min(READ_CHUNK, max + 1 - size);
      if (want <= 0) break;
      const { bytesRead } = await input.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      hash.update(buf.subarray(0, bytesRead));
      await output.write(buf, 0, bytesRead);
    }
    await output.sync();
    return { size, sha512: hash.digest() };
  } finally {
    await input.close();
    await output.close();
  }
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

/** Throws `REGISTRY_TREE_MISMATCH` unless the files under `root` equal the manifest's `files` exactly. */
export async function assertTreeMatches(root: string, manifest: Manifest, skip: readonly string[] = []): Promise<void> {
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

/**
 * Sets the scanned modes (files 0644/0755, folders 0755) on the extracted tree. A file the
 * scan did not admit, or anything but a file or folder, is `REGISTRY_TREE_MISMATCH`; folders
 * may be implicit parents of admitted files.
 */
async function applyScannedModes(root: string, scanned: ScannedTree, rel = ""): Promise<void> {
  for (const name of await readdir(join(root, rel))) {
    const path = rel === "" ? name : `${rel}/${name}`;
    const st = await lstat(join(root, path));
    if (st.isDirectory()) {
      await applyScannedModes(root, scanned, path);
      await chmod(join(root, path), 0o755);
      continue;
    }
    const mode = scanned.entries.get(path);
    if (!st.isFile() || mode === undefined) throw new RegistryError("REGISTRY_TREE_MISMATCH", "extracted entry was not admitted by the scan", { path });
    await chmod(join(root, path), mode);
  }
}

/** Makes a tree immutable (§7.4): folders 0555, files 0444, executables 0555. */
async function makeReadOnly(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const abs = join(dir, name);
    const st = await lstat(abs);
    if (st.isDirectory()) {
      await makeReadOnly(abs);
      await chmod(abs, 0o555);
    } else {
      await chmod(abs, (st.mode & 0o111) !== 0 ? 0o555 : 0o444);
    }
  }
}

/** Makes every folder under `dir` writable again so it can be removed (non-root runs). */
async function makeRemovable(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const abs = join(dir, name);
    if ((await lstat(abs)).isDirectory()) {
      await chmod(abs, 0o700);
      await makeRemovable(abs);
    }
  }
}

interface Lockfile { lockfileVersion: 1; plugins: Record<string, LockedPlugin> }

async function readLockfile(projectDir: string): Promise<Lockfile> {
  let bytes: Buffer;
  try {
    bytes = await readBounded(join(projectDir, LOCKFILE), 4 * 1024 * 1024);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lockfileVersion: 1, plugins: {} };
    throw error;
  }
  const value = parseJsonBounded(bytes, { maxBytes: 4 * 1024 * 1024 }) as Partial<Lockfile> | null;
  if (value?.lockfileVersion !== 1 || typeof value.plugins !== "object") {
    throw new RegistryError("REGISTRY_STORE_CORRUPT", `${LOCKFILE} is not a version 1 lockfile`);
  }
  return { lockfileVersion: 1, plugins: value.plugins };
}

async function writeAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.tmp-${String(process.pid)}`;
  const handle = await open(tmp, "w", 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

function verifyOrThrow(envelope: Uint8Array, options: TrustOptions, expect?: { name: string; version: string }) {
  const result = verifyManifestEnvelope(envelope, {
    trustedKeys: options.trustedKeys, threshold: options.threshold ?? 1, ...(expect === undefined ? {} : { expect }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  if (!result.ok) throw result.error;
  return result;
}

/**
 * Installs a local signed plugin: `tarball` (`.tgz`) and `envelope` (DSSE JSON file).
 * On any rejection nothing is written outside this install's staging folder, which is removed.
 */
export async function installLocal(tarball: string, envelope: string, options: InstallLocalOptions): Promise<InstallResult> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const plugins = join(homeOf(options.home), "plugins");
  const projectDir = options.projectDir ?? process.cwd();
  await mkdir(plugins, { recursive: true, mode: 0o700 });
  const release = await acquireLock(plugins, options.lockTimeoutMs ?? 30_000);
  let staging: string | undefined;
  try {
    for (const name of await readdir(plugins)) {
      if (name.startsWith(".staging-")) await rm(join(plugins, name), { recursive: true, force: true });
    }
    staging = await mkdtemp(join(plugins, ".staging-"));
    await chmod(staging, 0o700);
    const envelopeBytes = await readBounded(envelope, limits.envelopeBytes);
    const { statement: manifest, keyids } = verifyOrThrow(envelopeBytes, options, options.expect);
    if (manifest.artifact.size > limits.tarballBytes) {
      throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `tarball of ${manifest.artifact.size} bytes is over ${limits.tarballBytes}`);
    }
    const blob = join(staging, "blob.tgz");
    checkArtifact(manifest.artifact, await copyAndHash(tarball, blob, manifest.artifact.size));
    const tree = join(staging, "tree");
    await mkdir(tree, { mode: 0o700 });
    const scanned = await scanArchive(blob, manifest, limits);
    await extractArchive(blob, tree, scanned, { limits, ...(options.beforeWrite === undefined ? {} : { beforeWrite: options.beforeWrite }) });
    await applyScannedModes(tree, scanned);
    await assertTreeMatches(tree, manifest);

    const capsSha = capabilitiesSha256(manifest.capabilities);
    const lock = await readLockfile(projectDir);
    const previous = lock.plugins[manifest.name];
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

    const digest = manifestSha256(manifest);
    const meta = join(tree, ".agentgov");
    await mkdir(meta, { mode: 0o755 });
    await writeFile(join(meta, "manifest.json"), canonicalBytes(manifest), { mode: 0o644 });
    await writeFile(join(meta, "envelope.json"), envelopeBytes, { mode: 0o644 });
    await writeFile(join(meta, "receipt.json"), JSON.stringify({ source: "local", manifestSha256: digest }), { mode: 0o644 });
    await makeReadOnly(tree);
    const dir = join(plugins, pluginFolderName(manifest.name, manifest.version));
    let created = true;
    try {
      await rename(tree, dir);
      await chmod(dir, 0o555);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      const existing = await readFile(join(dir, ".agentgov", "manifest.json")).catch(() => Buffer.alloc(0));
      if (!hexEqual(createHash("sha256").update(existing).digest("hex"), digest)) {
        throw new RegistryError("REGISTRY_STORE_CORRUPT", `${dir} holds a different manifest`);
      }
      created = false;
    }
    const grant = grantFromManifest(manifest, keyids);
    if (options.onCommit !== undefined) await options.onCommit(grant);
    lock.plugins[manifest.name] = { version: manifest.version, sha512: manifest.artifact.sha512, manifestSha256: digest, keyids, capabilitiesSha256: capsSha };
    await writeAtomic(join(projectDir, LOCKFILE), JSON.stringify(lock, null, 2) + "\n");
    return { dir, grant, created };
  } catch (error) {
    throw isStoreFailure(error) ? storeFailure(error, "install into the local store") : error;
  } finally {
    if (staging !== undefined) {
      await makeRemovable(staging).catch(() => undefined);
      await rm(staging, { recursive: true, force: true });
    }
    await release();
  }
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

/**
 * Re-verifies an installed plugin (stored envelope, manifest digest equal to the lockfile's,
 * and by default the file tree) and returns its grant.
 */
export async function loadInstalledPlugin(name: string, options: LoadOptions): Promise<PluginGrant> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { dir, locked } = await lockedPlugin(name, options);
  const envelope = await readBounded(join(dir, ".agentgov", "envelope.json"), limits.envelopeBytes);
  const { statement: manifest, keyids } = verifyOrThrow(envelope, options, { name, version: locked.version });
  if (!hexEqual(manifestSha256(manifest), locked.manifestSha256)) {
    throw new RegistryError("REGISTRY_DIGEST_MISMATCH", "installed manifest differs from the lockfile");
  }
  if (options.rehash !== false) await assertTreeMatches(dir, manifest, [".agentgov"]);
  return grantFromManifest(manifest, keyids);
}
