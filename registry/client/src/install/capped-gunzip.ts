/**
 * Our own capped gunzip (REGISTRY.md §7.3): streams a local `.tgz` through `node:zlib`,
 * hands each decompressed chunk to a consumer, and stops the source and the inflater at the
 * first violation (decompressed-byte cap, consumer error, a second gzip member, trailing
 * garbage). A gzip bomb is rejected within milliseconds.
 */
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { RegistryError, isRegistryError } from "@agentgov/registry-protocol";

/** Options of {@link cappedGunzip}. */
export interface CappedGunzipOptions {
  /** Current decompressed-byte cap; called after every chunk (it may grow with headers seen). */
  cap: () => number;
  /** Receives each decompressed chunk in order; throw a `RegistryError` to stop. */
  onData: (chunk: Buffer) => void;
}

const CHUNK = 64 * 1024;
const TWO_32 = 2 ** 32;

/**
 * Decompresses `file` (exactly one gzip member) into `onData`. Resolves with the number of
 * decompressed bytes; rejects with `REGISTRY_ARCHIVE_LIMIT` over the cap and
 * `REGISTRY_ARCHIVE_UNSAFE` for anything that is not a single well-formed gzip member.
 */
export function cappedGunzip(file: string, options: CappedGunzipOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const source = createReadStream(file, { highWaterMark: CHUNK });
    const gunzip = createGunzip({ chunkSize: CHUNK });
    let total = 0;
    let done = false;
    const tail = Buffer.alloc(4);
    let tailFill = 0;
    const fail = (error: unknown): void => {
      if (done) return;
      done = true;
      source.destroy();
      gunzip.destroy();
      reject(isRegistryError(error) ? error : new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "not a valid gzip stream", { cause: error }));
    };
    source.on("data", (raw: Buffer | string) => {
      const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
      // Keep the last 4 compressed bytes: the final member's ISIZE.
      if (chunk.length >= 4) { chunk.copy(tail, 0, chunk.length - 4); tailFill = 4; } else {
        const keep = Buffer.concat([tail.subarray(0, tailFill), chunk]).subarray(-4);
        keep.copy(tail); tailFill = keep.length;
      }
    });
    gunzip.on("data", (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      try {
        options.onData(chunk);
        if (total > options.cap()) throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `decompressed data over ${options.cap()} bytes`);
      } catch (error) {
        fail(error);
      }
    });
    gunzip.on("end", () => {
      if (done) return;
      // Node inflates concatenated members silently; the last member's ISIZE then differs
      // from the total (mod 2^32), as it does for trailing garbage.
      if (tailFill !== 4 || tail.readUInt32LE(0) !== total % TWO_32) {
        fail(new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "more than one gzip member or data after the gzip member"));
        return;
      }
      done = true;
      resolve(total);
    });
    source.on("error", fail);
    gunzip.on("error", fail);
    source.pipe(gunzip);
  });
}
