/**
 * A bounded token-bucket rate limiter keyed by client address (REGISTRY.md §6.1: search is
 * unauthenticated and rate-limited). At most `maxKeys` buckets are kept; the oldest is
 * evicted first, so memory stays bounded under spoofed or many addresses.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number, private readonly maxKeys = 10_000, private readonly now: () => number = Date.now) {}

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.perMinute, at: now };
    this.#buckets.delete(key);
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    while (this.#buckets.size > this.maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest === undefined) break;
      this.#buckets.delete(oldest);
    }
    return allowed;
  }
}
