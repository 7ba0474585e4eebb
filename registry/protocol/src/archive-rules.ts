/**
 * Archive entry rules (REGISTRY.md §7.3), shared by the server's publish scan and the
 * client's extraction: entry types, portable paths under `package/`, modes, duplicates and
 * budgets. Pure functions; unsafe entries are `REGISTRY_ARCHIVE_UNSAFE`, budget overruns
 * `REGISTRY_ARCHIVE_LIMIT`.
 */
import { DEFAULT_LIMITS, type ProtocolLimits } from "./limits.js";
import { RegistryError } from "./errors.js";

/** The only tar entry types allowed (node-tar's names): regular files and folders. */
export const ALLOWED_ENTRY_TYPES = ["File", "Directory"] as const;

/** An allowed entry type. */
export type ArchiveEntryType = (typeof ALLOWED_ENTRY_TYPES)[number];

/** True for an allowed entry type; links, devices, FIFOs and PAX/global headers are not. */
export function isAllowedEntryType(type: unknown): type is ArchiveEntryType {
  return type === "File" || type === "Directory";
}

const SEGMENT = /^[A-Za-z0-9._@+=,~-]+$/;
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\..*)?$/i;

/** The root folder every entry lives in. */
export const ARCHIVE_ROOT = "package";

function unsafe(path: string, message: string): never {
  throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", message, { path });
}

/**
 * Checks one entry path and returns it without a folder's trailing `/`: under `package/`,
 * at most 1024 UTF-8 bytes and 32 segments, each segment in the portable charset
 * `[A-Za-z0-9._@+=,~-]`, not `.`/`..`, no trailing dot, no Windows reserved name. A file path
 * must name something inside `package/`; a folder may be `package/` itself.
 */
export function checkArchivePath(path: string, type: ArchiveEntryType, limits: ProtocolLimits = DEFAULT_LIMITS): string {
  if (Buffer.byteLength(path, "utf8") > limits.pathBytes) unsafe(path, `path longer than ${limits.pathBytes} bytes`);
  const name = type === "Directory" && path.endsWith("/") ? path.slice(0, -1) : path;
  const segments = name.split("/");
  if (segments[0] !== ARCHIVE_ROOT) unsafe(path, "path is not under package/");
  if (type === "File" && segments.length < 2) unsafe(path, "a file must be inside package/");
  if (segments.length > limits.pathDepth) unsafe(path, `path deeper than ${limits.pathDepth}`);
  for (const segment of segments) {
    if (segment === "." || segment === "..") unsafe(path, "'.' or '..' segment");
    if (!SEGMENT.test(segment)) unsafe(path, "segment outside the portable charset (or empty)");
    if (segment.endsWith(".")) unsafe(path, "segment ends with a dot");
    if (WINDOWS_RESERVED.test(segment)) unsafe(path, "Windows reserved name");
  }
  return name;
}

const SPECIAL_BITS = 0o7000;

/**
 * The installed mode of an entry: folders 0755, files 0755 when any execute bit is set, else
 * 0644. Setuid, setgid and sticky bits, or a value outside 0–07777, are unsafe.
 */
export function normalizeMode(mode: number, type: ArchiveEntryType): 0o644 | 0o755 {
  if (!Number.isSafeInteger(mode) || mode < 0 || mode > 0o7777) unsafe("", `invalid mode ${mode}`);
  if ((mode & SPECIAL_BITS) !== 0) unsafe("", "setuid, setgid or sticky bit");
  if (type === "Directory") return 0o755;
  return (mode & 0o111) !== 0 ? 0o755 : 0o644;
}

/**
 * The set of paths seen in one archive: refuses a path seen before, one equal to another
 * ignoring case, and a path under something that is a file.
 */
export class ArchivePathSet {
  readonly #kinds = new Map<string, ArchiveEntryType>();
  #files = 0;

  /** Checks `path` (see {@link checkArchivePath}) and records it; returns the normalised path. */
  add(path: string, type: ArchiveEntryType, limits: ProtocolLimits = DEFAULT_LIMITS): string {
    const name = checkArchivePath(path, type, limits);
    const key = name.toLowerCase();
    if (this.#kinds.has(key)) unsafe(path, "duplicate path (or equal ignoring case)");
    const segments = key.split("/");
    for (let i = 1; i < segments.length; i++) {
      if (this.#kinds.get(segments.slice(0, i).join("/")) === "File") unsafe(path, "path under a file");
    }
    if (this.#kinds.size >= limits.entries) {
      throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `more than ${limits.entries} entries`, { path });
    }
    this.#kinds.set(key, type);
    if (type === "File") this.#files++;
    return name;
  }

  /** Entries recorded so far. */
  get size(): number {
    return this.#kinds.size;
  }

  /** Files recorded so far. */
  get files(): number {
    return this.#files;
  }
}

/**
 * Running size budget of one archive: each file ≤ 50 MiB, total ≤ 100 MiB
 * (`REGISTRY_ARCHIVE_LIMIT`).
 */
export class ArchiveBudget {
  #total = 0;

  constructor(private readonly limits: ProtocolLimits = DEFAULT_LIMITS) {}

  /** Accounts one file of `size` bytes. */
  addFile(size: number, path = ""): void {
    if (!Number.isSafeInteger(size) || size < 0) unsafe(path, `invalid size ${size}`);
    if (size > this.limits.fileBytes) {
      throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `file larger than ${this.limits.fileBytes} bytes`, { path });
    }
    this.#total += size;
    if (this.#total > this.limits.unpackedBytes) {
      throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `unpacked total over ${this.limits.unpackedBytes} bytes`, { path });
    }
  }

  /** Bytes accounted so far. */
  get total(): number {
    return this.#total;
  }
}

/**
 * The decompressed-byte cap of §7.3: min(unpacked limit, signed file sizes + 3 KiB per tar
 * header seen so far of any kind + 1 KiB).
 */
export function decompressedByteCap(signedFileBytes: number, headers: number, limits: ProtocolLimits = DEFAULT_LIMITS): number {
  return Math.min(limits.unpackedBytes, signedFileBytes + 3 * 1024 * headers + 1024);
}
