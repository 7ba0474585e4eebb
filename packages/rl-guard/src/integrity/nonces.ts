/** A bounded set of seen nonces (memory stays bounded under untrusted input). */

/** Default capacity: enough for a long run's train records. */
export const DEFAULT_MAX_NONCES = 1_000_000;

/** What the verifier needs to detect reused nonces. */
export interface NonceStore {
  has(nonce: string): boolean;
  add(nonce: string): void;
}

/**
 * Remembers the most recent `max` nonces (oldest evicted first). A replayed record whose
 * nonce was evicted still fails the binding check (`replay`) unless it is the same rollout.
 */
export class BoundedNonceSet implements NonceStore {
  readonly #seen = new Set<string>();
  constructor(readonly max = DEFAULT_MAX_NONCES) {}
  has(nonce: string): boolean {
    return this.#seen.has(nonce);
  }
  add(nonce: string): void {
    if (this.#seen.has(nonce)) return;
    if (this.#seen.size >= this.max) {
      const oldest = this.#seen.values().next();
      if (oldest.done !== true) this.#seen.delete(oldest.value);
    }
    this.#seen.add(nonce);
  }
  get size(): number {
    return this.#seen.size;
  }
}
