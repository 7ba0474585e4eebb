/**
 * An incremental, in-memory ustar reader for the publish scan (REGISTRY.md §7.3): it reads
 * every raw 512-byte header itself (checksum, magic, type flag, octal size, no link name),
 * applies local PAX `path` records, refuses every type but file (`0`), folder (`5`) and local
 * PAX (`x`), and requires only zero bytes after the end-of-archive block. Entries and their
 * data are reported to callbacks; nothing touches the disk.
 */
import { RegistryError, decodeUtf8 } from "@agentgov/registry-protocol";

const BLOCK = 512;
const MAX_PAX_BYTES = 8 * 1024;
/** PAX keys accepted in a local header; `size`, `linkpath` and vendor keys are type/size confusion. */
const PAX_KEYS = new Set(["path", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname"]);

/** One archive entry header. */
export interface TarEntry {
  path: string;
  type: "File" | "Directory";
  mode: number;
  size: number;
}

/** Callbacks of a {@link TarWalker}. */
export interface TarWalkerHandlers {
  /** A new entry; throw to reject it. */
  entry(entry: TarEntry): void;
  /** Data of the current file entry. */
  data(chunk: Uint8Array): void;
  /** The current file entry's data is complete. */
  end(): void;
}

function unsafe(message: string): never {
  throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", message);
}

function cString(block: Uint8Array, start: number, length: number): Uint8Array {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  const value = nul < 0 ? field : field.subarray(0, nul);
  if (nul >= 0 && field.subarray(nul).some((b) => b !== 0)) unsafe("data after NUL in a header field");
  return value;
}

function octal(block: Uint8Array, start: number, length: number, what: string): number {
  if (((block[start] ?? 0) & 0x80) !== 0) unsafe(`base-256 (negative or huge) ${what} field`);
  const text = Buffer.from(block.subarray(start, start + length)).toString("latin1").replace(/[\0 ]+$/, "").replace(/^ +/, "");
  if (!/^[0-7]{1,11}$/.test(text)) unsafe(`invalid ${what} field`);
  return parseInt(text, 8);
}

function text(bytes: Uint8Array, what: string): string {
  const decoded = decodeUtf8(bytes);
  if (decoded === undefined) unsafe(`${what} is not valid UTF-8`);
  return decoded;
}

function checksumOk(block: Uint8Array): boolean {
  const stored = octal(block, 148, 8, "checksum");
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum === stored;
}

/** Parses one local PAX body into its allowed records. */
function parsePax(body: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let off = 0;
  while (off < body.length) {
    const space = body.indexOf(0x20, off);
    if (space < 0 || space - off > 5) unsafe("malformed PAX record");
    const lenText = body.subarray(off, space).toString("latin1");
    if (!/^[1-9][0-9]*$/.test(lenText)) unsafe("malformed PAX record length");
    const len = Number(lenText);
    const record = body.subarray(space + 1, off + len);
    if (off + len > body.length || record.at(-1) !== 0x0a) unsafe("malformed PAX record");
    const eq = record.indexOf(0x3d);
    if (eq <= 0) unsafe("malformed PAX record");
    const key = text(record.subarray(0, eq), "PAX key");
    if (!PAX_KEYS.has(key)) unsafe(`PAX key ${JSON.stringify(key)} is not allowed`);
    const value = record.subarray(eq + 1, -1);
    if (value.includes(0)) unsafe("NUL in a PAX value");
    if (records.has(key)) unsafe(`PAX key ${key} repeated`);
    records.set(key, text(value, "PAX value"));
    off += len;
  }
  return records;
}

/** Feed decompressed chunks in order, then call {@link TarWalker.finish}. */
export class TarWalker {
  readonly #block = Buffer.alloc(BLOCK);
  #fill = 0;
  /** Data bytes left in the current entry, then padding bytes to skip. */
  #data = 0;
  #pad = 0;
  #pax: Buffer[] | undefined;
  #pendingPath: string | undefined;
  #ended = false;
  #headers = 0;
  #inFile = false;

  constructor(private readonly handlers: TarWalkerHandlers, private readonly maxHeaders: number) {}

  /** Headers of any kind seen so far. */
  get headers(): number {
    return this.#headers;
  }

  /** Consumes one chunk. */
  feed(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.#ended) {
        for (let i = off; i < chunk.length; i++) if (chunk[i] !== 0) unsafe("data after the end-of-archive blocks");
        return;
      }
      if (this.#data > 0) {
        const n = Math.min(this.#data, chunk.length - off);
        const part = chunk.subarray(off, off + n);
        if (this.#pax !== undefined) this.#pax.push(Buffer.from(part));
        else this.handlers.data(part);
        this.#data -= n;
        off += n;
        if (this.#data === 0) this.#endData();
        continue;
      }
      if (this.#pad > 0) {
        const n = Math.min(this.#pad, chunk.length - off);
        this.#pad -= n;
        off += n;
        continue;
      }
      const n = Math.min(BLOCK - this.#fill, chunk.length - off);
      this.#block.set(chunk.subarray(off, off + n), this.#fill);
      this.#fill += n;
      off += n;
      if (this.#fill === BLOCK) {
        this.#fill = 0;
        this.#header(this.#block);
      }
    }
  }

  /** Throws unless the archive ended cleanly. */
  finish(): void {
    if (!this.#ended || this.#fill !== 0 || this.#data > 0 || this.#pad > 0) unsafe("truncated archive (no end-of-archive marker)");
  }

  #endData(): void {
    if (this.#pax !== undefined) {
      const records = parsePax(Buffer.concat(this.#pax));
      this.#pax = undefined;
      this.#pendingPath = records.get("path");
    } else if (this.#inFile) {
      this.#inFile = false;
      this.handlers.end();
    }
  }

  #header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      if (this.#pendingPath !== undefined) unsafe("PAX header without an entry");
      this.#ended = true;
      return;
    }
    this.#headers++;
    if (this.#headers > this.maxHeaders) throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", "too many tar headers");
    if (!checksumOk(block)) unsafe("tar header checksum mismatch");
    if (block.toString("latin1", 257, 265) !== "ustar\u000000") unsafe("not a POSIX ustar header");
    const type = block[156] ?? 0;
    const size = octal(block, 124, 12, "size");
    const mode = octal(block, 100, 8, "mode");
    if (cString(block, 157, 100).length !== 0) unsafe("link name in a header");
    if (type === 0x78) {
      if (this.#pendingPath !== undefined) unsafe("two PAX headers in a row");
      if (size === 0 || size > MAX_PAX_BYTES) unsafe("PAX header empty or too large");
      this.#pax = [];
      this.#setData(size);
      return;
    }
    if (type !== 0x30 && type !== 0x35) unsafe(`tar type flag ${JSON.stringify(String.fromCharCode(type))} is not allowed`);
    const name = text(cString(block, 0, 100), "entry name");
    const prefix = text(cString(block, 345, 155), "entry name prefix");
    const path = this.#pendingPath ?? (prefix === "" ? name : `${prefix}/${name}`);
    this.#pendingPath = undefined;
    if (type === 0x35) {
      if (size !== 0) unsafe("folder entry with data");
      this.handlers.entry({ path, type: "Directory", mode, size: 0 });
      return;
    }
    this.handlers.entry({ path, type: "File", mode, size });
    this.#inFile = true;
    this.#setData(size);
  }

  #setData(size: number): void {
    this.#data = size;
    this.#pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.#endData();
  }
}
