/**
 * The hash chain shared by every sink: sequencing, timestamps, hashing, checkpoints.
 * `append` is synchronous and does the whole per-record work once: it builds the record's
 * canonical body and hands it to the sink's {@link LineStore}, which stores its line and
 * hashes it.
 */
import { AgentGovError } from "../errors.js";
import { checkpointLine, createCheckpoint } from "./checkpoint.js";
import type { AuditSigner } from "./keys.js";
import { recordBody, recordObject } from "./record.js";
import type { AuditEntry, AuditHead, AuditRecord } from "./types.js";

/** Default number of records between two periodic checkpoints. */
export const DEFAULT_CHECKPOINT_EVERY = 1000;

/** Where a chain starts: a fresh log (seq 0, head = genesis) or the end of an existing one. */
export interface ChainState {
  genesis: string;
  seq: number;
  head: string;
}

/**
 * Where a chain's lines go. `record` stores the record whose canonical body (without
 * `hash`) is `body` as its line (see record.ts) and returns sha256 (hex) of the body's UTF-8
 * bytes; `meta` stores a header or checkpoint line. Both take lines without newline.
 */
export interface LineStore {
  record(body: string): string;
  meta(line: string): void;
}

/** Returns `ms → ISO-8601` that reuses the last string while the millisecond does not change. */
export function isoTime(clock: () => number): () => string {
  let lastMs = Number.NaN;
  let lastIso = "";
  return () => {
    const ms = clock();
    if (ms !== lastMs) {
      const date = new Date(ms);
      if (Number.isNaN(date.getTime())) throw new AgentGovError("AUDIT_UNAVAILABLE", `audit clock returned an invalid time: ${String(ms)}`);
      lastIso = date.toISOString();
      lastMs = ms;
    }
    return lastIso;
  };
}

/** The chain: seq, head hash, time source, signer and checkpoint cadence. */
export class AuditChain {
  readonly genesis: string;
  #seq: number;
  #head: string;
  readonly #now: () => string;
  readonly #signer: AuditSigner | undefined;
  readonly #every: number;

  constructor(state: ChainState, now: () => string, signer: AuditSigner | undefined, checkpointEvery: number) {
    this.genesis = state.genesis;
    this.#seq = state.seq;
    this.#head = state.head;
    this.#now = now;
    this.#signer = signer;
    this.#every = checkpointEvery;
  }

  /**
   * Sequences, timestamps and hashes `entry`, stores its line in `store` (followed by a
   * checkpoint when one is due) and returns the record. Nothing changes when it throws.
   */
  append(entry: AuditEntry, store: LineStore): AuditRecord {
    const seq = this.#seq + 1;
    const ts = this.#now();
    const prev = this.#head;
    const hash = store.record(recordBody(entry, seq, ts, prev));
    this.#seq = seq;
    this.#head = hash;
    if (this.#every > 0 && seq % this.#every === 0) store.meta(this.checkpoint(false));
    return recordObject(entry, seq, ts, prev, hash);
  }

  /** The line of a checkpoint of the current head (signed when the chain has a signer). */
  checkpoint(final: boolean): string {
    return checkpointLine(createCheckpoint(this.genesis, this.#seq, this.#head, final, this.#now(), this.#signer));
  }

  /** The current head. */
  head(): AuditHead {
    return { seq: this.#seq, hash: this.#head };
  }
}
