/** Builds raw ustar archives byte by byte, so tests can craft what no tar library would write. */
import { gzipSync } from "node:zlib";

/** One raw entry. */
export interface RawEntry {
  name: string;
  /** Type flag character: `0` file, `5` folder, `x` PAX, `2` symlink, … */
  type?: string;
  mode?: number;
  data?: string | Buffer;
  linkname?: string;
  /** Overrides the octal size field text. */
  sizeField?: Buffer;
  /** Corrupts the checksum. */
  badChecksum?: boolean;
  magic?: string;
}

function field(block: Buffer, offset: number, length: number, value: string | Buffer): void {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  bytes.copy(block, offset, 0, Math.min(length, bytes.length));
}

/** One 512-byte header plus padded data. */
export function rawEntry(entry: RawEntry): Buffer {
  const data = typeof entry.data === "string" ? Buffer.from(entry.data) : (entry.data ?? Buffer.alloc(0));
  const block = Buffer.alloc(512);
  field(block, 0, 100, entry.name);
  field(block, 100, 8, `${(entry.mode ?? 0o644).toString(8).padStart(7, "0")}\0`);
  field(block, 108, 8, "0000000\0");
  field(block, 116, 8, "0000000\0");
  field(block, 124, 12, entry.sizeField ?? `${data.length.toString(8).padStart(11, "0")}\0`);
  field(block, 136, 12, "00000000000\0");
  field(block, 156, 1, entry.type ?? "0");
  field(block, 157, 100, entry.linkname ?? "");
  field(block, 257, 8, entry.magic ?? "ustar\u000000");
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  field(block, 148, 8, `${(entry.badChecksum === true ? sum + 1 : sum).toString(8).padStart(6, "0")}\0 `);
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([block, padded]);
}

/** A PAX record `len key=value\n`. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len++;
  return `${len}${body}`;
}

/** Entries, the two zero end blocks, optional trailing bytes; gzipped. */
export function rawTarGz(entries: RawEntry[], trailing: Buffer = Buffer.alloc(0)): Uint8Array {
  return new Uint8Array(gzipSync(Buffer.concat([...entries.map(rawEntry), Buffer.alloc(1024), trailing])));
}
