/**
 * The group-commit batch of the JSONL sink: lines are encoded as UTF-8 straight into pooled
 * buffers as they are appended, so a flush writes ready-made bytes (no join, no second
 * encoding, no per-line strings kept alive). A record's hash is taken over the bytes just
 * encoded, which are exactly the bytes of its canonical body.
 */
import { sha256Hex } from "./digest.js";
import type { LineStore } from "./chain.js";

/** Size of a pooled buffer. */
const CHUNK_BYTES = 1 << 20;
/** `,"hash":"` + 64 hex + `"}` + newline. */
const SUFFIX_BYTES = 76;

/** Encoded lines ready to be written, with how many lines and records they hold. */
export interface TakenBatch {
  chunks: Buffer[];
  lines: number;
  records: number;
}

/** Lines waiting to be written, encoded into pooled buffers. */
export class Batch implements LineStore {
  #chunks: Buffer[] = [];
  #current: Buffer | undefined;
  #offset = 0;
  #lines = 0;
  #records = 0;
  /** Buffers returned after their write, reused for the next lines. */
  #free: Buffer[] = [];
  /** Records waiting in the batch. */
  get records(): number {
    return this.#records;
  }

  /** Lines waiting in the batch. */
  get lines(): number {
    return this.#lines;
  }

  record(body: string): string {
    const buf = this.#room(body.length * 3 + SUFFIX_BYTES);
    const start = this.#offset;
    const bodyEnd = start + buf.write(body, start, "utf8");
    const hash = sha256Hex(buf.subarray(start, bodyEnd));
    // The body ends with `}`: overwrite it with `,"hash":"<hex>"}` and a newline.
    this.#offset = bodyEnd - 1 + buf.write(`,"hash":"${hash}"}\n`, bodyEnd - 1, "latin1");
    this.#lines++;
    this.#records++;
    return hash;
  }

  meta(line: string): void {
    const buf = this.#room(line.length * 3 + 1);
    this.#offset += buf.write(`${line}\n`, this.#offset, "utf8");
    this.#lines++;
  }

  /** Takes everything waiting; the batch starts empty. */
  take(): TakenBatch {
    if (this.#current !== undefined && this.#offset > 0) this.#chunks.push(this.#current.subarray(0, this.#offset));
    const taken = { chunks: this.#chunks, lines: this.#lines, records: this.#records };
    this.#chunks = [];
    this.#current = undefined;
    this.#offset = 0;
    this.#lines = 0;
    this.#records = 0;
    return taken;
  }

  /** Hands back the chunks of a written batch for reuse (keeps at most two). */
  recycle(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) {
      if (this.#free.length >= 2) return;
      if (chunk.buffer.byteLength === CHUNK_BYTES && chunk.byteOffset === 0) {
        this.#free.push(Buffer.from(chunk.buffer, 0, CHUNK_BYTES));
      }
    }
  }

  /** Drops everything (after a failure). */
  clear(): void {
    this.take();
    this.#free = [];
  }

  /** The current buffer, with at least `bytes` free from the offset. */
  #room(bytes: number): Buffer {
    const current = this.#current;
    if (current !== undefined && current.length - this.#offset >= bytes) return current;
    if (current !== undefined && this.#offset > 0) this.#chunks.push(current.subarray(0, this.#offset));
    const fresh = bytes > CHUNK_BYTES ? Buffer.allocUnsafeSlow(bytes) : (this.#free.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES));
    this.#current = fresh;
    this.#offset = 0;
    return fresh;
  }
}
