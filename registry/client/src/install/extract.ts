/**
 * Two-pass safe extraction (REGISTRY.md §7.3). The scan pass reads a verified local `.tgz`
 * through our capped gunzip into the raw header walker and `tar.Parser({strict:true})`,
 * checks every entry with the protocol's archive rules and the signed file list, and writes
 * nothing. The extract pass then unpacks the same file with `tar.Unpack` and a filter that
 * never throws, admitting only paths seen in the scan.
 */
import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import { Parser, Unpack, type ReadEntry } from "tar";
import {
  ArchiveBudget, ArchivePathSet, ArtifactTree, DEFAULT_LIMITS, RegistryError, decompressedByteCap, isAllowedEntryType,
  isRegistryError, normalizeMode, type Manifest, type ManifestFile, type ProtocolLimits,
} from "@agentgov/registry-protocol";
import { cappedGunzip } from "./capped-gunzip.js";
import { TarHeaderWalker } from "./tar-headers.js";
import { isStoreFailure, storeFailure } from "../util/store-errors.js";

/** What the scan pass admitted. */
export interface ScannedTree {
  /** Normalised entry path (no trailing `/`) → installed mode. */
  readonly entries: ReadonlyMap<string, 0o644 | 0o755>;
  /** Exact decompressed size of the archive: the extract pass's byte cap. */
  readonly decompressedBytes: number;
  /** Every regular file read (path, size, SHA-256 hex, exec bit), sorted by path: an unsigned install's file list. */
  readonly files: readonly ManifestFile[];
}

/** A disk-full or other local write failure is `REGISTRY_STORE_CORRUPT`; anything else the archive's fault. */
function toError(error: unknown): RegistryError {
  if (isRegistryError(error)) return error;
  if (isStoreFailure(error)) return storeFailure(error, "write the staging tree");
  return new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "malformed tar archive", { cause: error });
}

/** Options of {@link extractArchive}. */
export interface ExtractOptions {
  /** Client limits (§9); default {@link DEFAULT_LIMITS}. */
  limits?: ProtocolLimits;
  /**
   * Called before each chunk of file data is written into the staging tree, with the entry's
   * normalised path and the chunk. Throwing fails that write exactly like the filesystem
   * would (e.g. a disk-quota guard throwing an `ENOSPC` error); the extraction then rejects
   * and the installer removes staging. Default: none (the real filesystem alone decides).
   */
  beforeWrite?: (path: string, chunk: Uint8Array) => void;
}

/**
 * Scan pass: checks every entry of `tarball` (types, paths, modes, sizes, duplicates, case
 * collisions, budgets) and every regular file against the manifest's `files` (size, SHA-256,
 * exec bit; all present). Writes nothing; returns the admitted entries.
 *
 * `manifest` `undefined` is the unsigned (npm-published) case: every archive rule and budget
 * still applies, there is no signed file list to match, and the decompressed-byte cap is the
 * unpacked-total limit; the files read are returned for the install's own file list.
 */
export async function scanArchive(tarball: string, manifest: Manifest | undefined, limits: ProtocolLimits = DEFAULT_LIMITS): Promise<ScannedTree> {
  const walker = new TarHeaderWalker(limits);
  const paths = new ArchivePathSet();
  const budget = new ArchiveBudget(limits);
  const tree = manifest === undefined ? undefined : new ArtifactTree(manifest.files);
  const seen = new Map<string, 0o644 | 0o755>();
  const files: ManifestFile[] = [];
  const signedBytes = manifest === undefined ? limits.unpackedBytes : manifest.files.reduce((sum, f) => sum + f.size, 0);
  let failure: RegistryError | undefined;
  const parser = new Parser({ strict: true });
  const fail = (error: unknown): void => {
    failure ??= toError(error);
  };
  parser.on("error", fail);
  parser.on("warn", (_code: string, message: string | Error) => { fail(new RegistryError("REGISTRY_ARCHIVE_UNSAFE", String(message))); });
  parser.on("entry", (entry: ReadEntry) => {
    try {
      if (failure !== undefined) throw failure;
      if (!isAllowedEntryType(entry.type)) throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", `entry type ${entry.type} is not allowed`, { path: entry.path });
      const name = paths.add(entry.path, entry.type, limits);
      const mode = normalizeMode(entry.mode ?? 0, entry.type);
      seen.set(name, mode);
      if (entry.type === "Directory") { entry.resume(); return; }
      budget.addFile(entry.size, name);
      if (tree !== undefined) {
        const signed = tree.expected(name);
        if (signed === undefined) throw new RegistryError("REGISTRY_TREE_MISMATCH", "file is not in the signed file list", { path: name });
        if (signed.size !== entry.size) throw new RegistryError("REGISTRY_TREE_MISMATCH", `size ${entry.size}, signed ${signed.size}`, { path: name });
      }
      const hash = createHash("sha256");
      let size = 0;
      entry.on("data", (chunk: Buffer) => { size += chunk.length; hash.update(chunk); });
      entry.on("end", () => {
        try {
          const digest = hash.digest();
          if (tree === undefined && size !== entry.size) throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", `read ${size} bytes, header says ${entry.size}`, { path: name });
          tree?.check(name, { size, sha256: digest, exec: mode === 0o755 });
          files.push({ path: name, size, sha256: digest.toString("hex"), exec: mode === 0o755 });
        } catch (error) {
          fail(error);
        }
      });
    } catch (error) {
      fail(error);
      entry.resume();
    }
  });
  // Settles on any way the parser can stop, so a parser error never leaves the scan hanging.
  const ended = new Promise<void>((resolve) => {
    for (const event of ["end", "close", "error", "abort"]) parser.on(event, () => { resolve(); });
  });
  const cap = (): number => decompressedByteCap(signedBytes, walker.headers, limits);
  let total = 0;
  await cappedGunzip(tarball, {
    cap,
    onData: (chunk) => {
      walker.feed(chunk);
      total += chunk.length;
      // Checked before the parser sees the bytes: headers in this chunk are already counted.
      if (total > cap()) throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `decompressed data over ${cap()} bytes`);
      parser.write(chunk);
      if (failure !== undefined) throw failure;
    },
  });
  walker.finish();
  parser.end();
  await ended;
  if (failure !== undefined) throw failure;
  tree?.finish();
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries: seen, decompressedBytes: total, files };
}

/**
 * Extract pass: unpacks the scanned `tarball` into `dest` (an empty staging folder). The
 * filter admits only scanned paths, re-applies the rules and sets the mode; it never throws
 * (it records the error and aborts). Rejects with the first recorded error.
 */
export async function extractArchive(tarball: string, dest: string, scanned: ScannedTree, options: ExtractOptions = {}): Promise<void> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { beforeWrite } = options;
  let failure: RegistryError | undefined;
  const recheck = new ArchivePathSet();
  let unpack: Unpack | undefined = undefined;
  const filter = (path: string, entry: unknown): boolean => {
    try {
      const e = entry as ReadEntry;
      if (!isAllowedEntryType(e.type)) throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", `entry type ${e.type}`, { path });
      const name = recheck.add(e.path, e.type, limits);
      const mode = scanned.entries.get(name);
      if (mode === undefined || normalizeMode(e.mode ?? 0, e.type) !== mode) {
        throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "entry differs from the scan pass", { path });
      }
      e.mode = mode;
      return true;
    } catch (error) {
      failure ??= toError(error);
      unpack?.abort(failure);
      return false;
    }
  };
  const u = new Unpack({
    cwd: dest, strict: true, preservePaths: false, preserveOwner: false, chmod: false,
    noMtime: true, maxDepth: limits.pathDepth, filter,
    ...(beforeWrite === undefined ? {} : { transform: (entry: ReadEntry) => writeGuard(entry, beforeWrite) }),
  });
  unpack = u;
  const closed = new Promise<void>((resolve) => {
    u.on("close", () => { resolve(); });
    u.on("error", (error: unknown) => { failure ??= toError(error); resolve(); });
    u.on("abort", () => { resolve(); });
    u.on("warn", (_code: string, message: string | Error) => { failure ??= new RegistryError("REGISTRY_ARCHIVE_UNSAFE", String(message)); });
  });
  try {
    await cappedGunzip(tarball, {
      cap: () => scanned.decompressedBytes,
      onData: (chunk) => {
        u.write(chunk);
        if (failure !== undefined) throw failure;
      },
    });
  } catch (error) {
    failure ??= toError(error);
    u.abort(failure);
  }
  u.end();
  await closed;
  if (failure !== undefined) throw failure;
}

/**
 * The stream tar writes a file entry through when a `beforeWrite` hook is set: each chunk goes
 * to the hook first; a throw becomes the stream's error, which tar reports like a failed write.
 */
function writeGuard(entry: ReadEntry, beforeWrite: (path: string, chunk: Uint8Array) => void): ReadEntry {
  const path = entry.path.replace(/\/+$/, "");
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        beforeWrite(path, chunk);
        done(null, chunk);
      } catch (error) {
        done(error instanceof Error ? error : new Error(String(error)));
      }
    },
  });
  // tar types `transform` as returning a ReadEntry; it only pipes the result into the file stream.
  return guard as unknown as ReadEntry;
}
