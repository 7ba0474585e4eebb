/**
 * Raw tar header walker (REGISTRY.md §7.3): node-tar's `Parser` hides global PAX headers
 * and ignores data after the end-of-archive blocks, so the scan pass also reads every raw
 * 512-byte header itself. Allowed type flags: `0` (file), `5` (folder), `x` (local PAX).
 */
import { DEFAULT_LIMITS, RegistryError, type ProtocolLimits } from "@agentgov/registry-protocol";

const BLOCK = 512;
const MAX_PAX_BYTES = 8 * 1024;
const ALLOWED = new Set([0x30, 0x35, 0x78]);
/** PAX keys accepted in a local header; `size`, `linkpath` and vendor keys are type/size confusion. */
const PAX_KEYS = new Set(["path", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname"]);

/** Checks one local PAX body: well-formed `len key=value\n` records, allowed keys, no NUL. */
function checkPax(body: Buffer): void {
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
    const key = record.subarray(0, eq).toString("utf8");
    if (!PAX_KEYS.has(key)) unsafe(`PAX key ${JSON.stringify(key)} is not allowed`);
    if (record.subarray(eq + 1, -1).includes(0)) unsafe("NUL in a PAX value");
    off += len;
  }
}

function unsafe(message: string): never {
  throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", message);
}

function headerSize(block: Buffer): number {
  const first = block[124] ?? 0;
  if ((first & 0x80) !== 0) unsafe("base-256 (negative or huge) size field");
  const text = block.subarray(124, 136).toString("latin1").replace(/[\0 ]+$/, "").replace(/^ +/, "");
  if (!/^[0-7]{1,11}$/.test(text)) unsafe("invalid size field");
  return parseInt(text, 8);
}

/** Incremental walker over the decompressed stream; feed chunks, then call {@link TarHeaderWalker.finish}. */
export class TarHeaderWalker {
  readonly #block = Buffer.alloc(BLOCK);
  #fill = 0;
  #skip = 0;
  #pax: Buffer[] | undefined;
  #paxLeft = 0;
  #ended = false;
  #headers = 0;

  constructor(private readonly limits: ProtocolLimits = DEFAULT_LIMITS) {}

  /** Headers of any kind seen so far (for the decompressed-byte cap). */
  get headers(): number {
    return this.#headers;
  }

  /** Consumes one chunk; throws on a forbidden type flag, a bad size, or data after the end marker. */
  feed(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - off);
        if (this.#pax !== undefined && this.#paxLeft > 0) {
          const take = Math.min(n, this.#paxLeft);
          this.#pax.push(Buffer.from(chunk.subarray(off, off + take)));
          this.#paxLeft -= take;
          if (this.#paxLeft === 0) {
            checkPax(Buffer.concat(this.#pax));
            this.#pax = undefined;
          }
        }
        this.#skip -= n;
        off += n;
        continue;
      }
      if (this.#ended) {
        for (let i = off; i < chunk.length; i++) if (chunk[i] !== 0) unsafe("data after the end-of-archive blocks");
        return;
      }
      const n = Math.min(BLOCK - this.#fill, chunk.length - off);
      chunk.copy(this.#block, this.#fill, off, off + n);
      this.#fill += n;
      off += n;
      if (this.#fill === BLOCK) {
        this.#fill = 0;
        this.#header(this.#block);
      }
    }
  }

  /** Throws unless the stream ended cleanly after the end-of-archive marker. */
  finish(): void {
    if (!this.#ended || this.#skip > 0 || this.#fill !== 0) unsafe("truncated archive (no end-of-archive marker)");
  }

  #header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      this.#ended = true;
      return;
    }
    this.#headers++;
    if (this.#headers > this.limits.entries * 2 + 2) {
      throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `more than ${this.limits.entries} entries`);
    }
    const type = block[156] ?? 0;
    if (!ALLOWED.has(type)) unsafe(`tar type flag ${JSON.stringify(String.fromCharCode(type))} is not allowed`);
    const size = headerSize(block);
    if (type === 0x78 && size > MAX_PAX_BYTES) unsafe("PAX header too large");
    if (type === 0x35 && size !== 0) unsafe("folder entry with data");
    if (size > this.limits.fileBytes) throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `entry larger than ${this.limits.fileBytes} bytes`);
    this.#skip = Math.ceil(size / BLOCK) * BLOCK;
    if (type === 0x78) {
      if (size === 0) unsafe("empty PAX header");
      this.#pax = [];
      this.#paxLeft = size;
    }
  }
}
