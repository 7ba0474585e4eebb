/**
 * The publish-time archive scan (REGISTRY.md §6.2 step 4, §7.3), entirely in memory: a capped
 * gunzip of exactly one gzip member feeding the {@link TarWalker}, the protocol's entry rules
 * (paths, modes, duplicates, budgets), the signed `files` list (size, SHA-256, exec bit, all
 * present), and `package/package.json`: name and version equal the manifest, no lifecycle
 * scripts, no `bin`, no `binding.gyp`. Nothing is written to disk.
 */
import { createHash } from "node:crypto";
import { createGunzip } from "node:zlib";
import {
  ArchiveBudget, ArchivePathSet, ArtifactTree, RegistryError, decompressedByteCap, isRegistryError, normalizeMode,
  parseJsonBounded, type Manifest, type ProtocolLimits,
} from "@agentgov/registry-protocol";
import { TarWalker } from "./tar-walker.js";

const PACKAGE_JSON = "package/package.json";
const MAX_PACKAGE_JSON = 64 * 1024;
/** Lifecycle scripts npm runs on install (§6.3); a signed plugin may carry no `scripts` at all. */
const LIFECYCLE_SCRIPTS = ["preinstall", "install", "postinstall", "preprepare", "prepare", "postprepare"];
const TWO_32 = 2 ** 32;
const CHUNK = 64 * 1024;

function scriptsForbidden(message: string, path: string): never {
  throw new RegistryError("REGISTRY_SCRIPTS_FORBIDDEN", message, { path });
}

/** What the archive must be: name and version, and (for a signed publish) the signed files. */
export interface ScanExpectation {
  name: string;
  version: string;
  /** The signed `files`; `undefined` for an unsigned npm publish (no tree check, `scripts` allowed minus lifecycle scripts). */
  files?: Manifest["files"];
}

function checkPackageJson(bytes: Uint8Array | undefined, manifest: ScanExpectation): void {
  if (bytes === undefined) throw new RegistryError("REGISTRY_MANIFEST_INVALID", "package/package.json is missing", { path: PACKAGE_JSON });
  let value: unknown;
  try {
    value = parseJsonBounded(bytes, { maxBytes: MAX_PACKAGE_JSON, maxDepth: 16 });
  } catch (cause) {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", "package/package.json is not valid JSON", { path: PACKAGE_JSON, cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", "package/package.json is not an object", { path: PACKAGE_JSON });
  }
  const pkg = value as Record<string, unknown>;
  if (Object.hasOwn(pkg, "bin")) scriptsForbidden("package.json must not have 'bin'", `${PACKAGE_JSON}.bin`);
  if (Object.hasOwn(pkg, "gypfile")) scriptsForbidden("package.json must not have 'gypfile'", `${PACKAGE_JSON}.gypfile`);
  if (Object.hasOwn(pkg, "scripts")) {
    const scripts = pkg.scripts;
    if (manifest.files !== undefined) scriptsForbidden("a signed plugin has no scripts", `${PACKAGE_JSON}.scripts`);
    if (typeof scripts !== "object" || scripts === null || Array.isArray(scripts)) {
      throw new RegistryError("REGISTRY_MANIFEST_INVALID", "scripts must be an object", { path: `${PACKAGE_JSON}.scripts` });
    }
    const hit = LIFECYCLE_SCRIPTS.find((k) => Object.hasOwn(scripts, k));
    if (hit !== undefined) scriptsForbidden(`lifecycle script '${hit}' is not allowed`, `${PACKAGE_JSON}.scripts.${hit}`);
  }
  if (pkg.name !== manifest.name || pkg.version !== manifest.version) {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", "package/package.json name or version differs from the manifest", { path: PACKAGE_JSON });
  }
}

/** Decompresses `gz` (one gzip member) into `onData`, stopping at the first error or over `cap()`. */
function gunzipInto(gz: Uint8Array, cap: () => number, onData: (chunk: Buffer) => void): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    if (gz.byteLength < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b || gz[2] !== 0x08) {
      reject(new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "not a gzip stream"));
      return;
    }
    const gunzip = createGunzip({ chunkSize: CHUNK });
    let total = 0;
    let done = false;
    const fail = (error: unknown): void => {
      if (done) return;
      done = true;
      gunzip.destroy();
      reject(isRegistryError(error) ? error : new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "not a valid gzip stream", { cause: error }));
    };
    gunzip.on("data", (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      try {
        // Fed first, so the headers in this chunk count towards the cap.
        onData(chunk);
        if (total > cap()) throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `decompressed data over ${cap()} bytes`);
      } catch (error) {
        fail(error);
      }
    });
    gunzip.on("error", fail);
    gunzip.on("end", () => {
      if (done) return;
      // Concatenated members inflate silently; the last ISIZE then differs from the total.
      const isize = Buffer.from(gz.buffer, gz.byteOffset, gz.byteLength).readUInt32LE(gz.byteLength - 4);
      if (isize !== total % TWO_32) {
        fail(new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "more than one gzip member or data after the gzip member"));
        return;
      }
      done = true;
      resolve(total);
    });
    gunzip.end(Buffer.from(gz.buffer, gz.byteOffset, gz.byteLength));
  });
}

/**
 * Scans a compressed tarball against what it must be; resolves with the bytes of
 * `package/package.json` when every rule holds, rejects with the first `REGISTRY_ARCHIVE_*`,
 * `REGISTRY_TREE_MISMATCH`, `REGISTRY_MANIFEST_INVALID` or `REGISTRY_SCRIPTS_FORBIDDEN` error.
 */
export async function scanTarball(gz: Uint8Array, manifest: ScanExpectation, limits: ProtocolLimits): Promise<Uint8Array> {
  const paths = new ArchivePathSet();
  const budget = new ArchiveBudget(limits);
  const signedFiles = manifest.files;
  const tree = signedFiles === undefined ? undefined : new ArtifactTree(signedFiles);
  const signedBytes = signedFiles?.reduce((sum, f) => sum + f.size, 0);
  let current: { name: string; exec: boolean; hash: ReturnType<typeof createHash>; size: number; keep?: Buffer[] } | undefined;
  let packageJson: Uint8Array | undefined;
  const walker = new TarWalker({
    entry: (entry) => {
      const name = paths.add(entry.path, entry.type, limits);
      const mode = normalizeMode(entry.mode, entry.type);
      if (entry.type === "Directory") return;
      if (name.toLowerCase() === "package/binding.gyp") scriptsForbidden("binding.gyp would run node-gyp", name);
      budget.addFile(entry.size, name);
      if (tree !== undefined) {
        const signed = tree.expected(name);
        if (signed === undefined) throw new RegistryError("REGISTRY_TREE_MISMATCH", "file is not in the signed file list", { path: name });
        if (signed.size !== entry.size) throw new RegistryError("REGISTRY_TREE_MISMATCH", `size ${entry.size}, signed ${signed.size}`, { path: name });
      }
      current = { name, exec: mode === 0o755, hash: createHash("sha256"), size: 0 };
      if (name === PACKAGE_JSON) {
        if (entry.size > MAX_PACKAGE_JSON) throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", "package.json too large", { path: name });
        current.keep = [];
      }
    },
    data: (chunk) => {
      if (current === undefined) return;
      current.hash.update(chunk);
      current.size += chunk.length;
      current.keep?.push(Buffer.from(chunk));
    },
    end: () => {
      if (current === undefined) return;
      tree?.check(current.name, { size: current.size, sha256: current.hash.digest(), exec: current.exec });
      if (current.keep !== undefined) packageJson = Buffer.concat(current.keep);
      current = undefined;
    },
  }, limits.entries * 2 + 2);
  const cap = (): number => (signedBytes === undefined ? limits.unpackedBytes : decompressedByteCap(signedBytes, walker.headers, limits));
  await gunzipInto(gz, cap, (chunk) => { walker.feed(chunk); });
  walker.finish();
  tree?.finish();
  checkPackageJson(packageJson, manifest);
  return packageJson ?? new Uint8Array();
}
