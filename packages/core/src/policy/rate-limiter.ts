/**
 * Rate limits (POLICY.md §4.6): counted per (agent id, policy, rule) over a sliding window.
 * The limiter is an interface so a shared store can back it on several nodes; the default
 * keeps state in memory, bounded by evicting the least-recently-used agents.
 */
import type { RateLimit } from "./document.js";

/** What a limit is counted against. */
export interface RateLimitKey {
  agent: string;
  policy: string;
  rule: string;
}

/** A rate limiter. Implementations must be synchronous (decisions are sync and do no I/O). */
export interface RateLimiter {
  /** Records a call and returns true when it is within the limit; returns false (and records nothing) otherwise. */
  tryAcquire(key: RateLimitKey, limit: RateLimit, now: number): boolean;
  /** True when a call now would be within the limit; records nothing (used by shadow policies). */
  peek(key: RateLimitKey, limit: RateLimit, now: number): boolean;
}

/** Options of {@link slidingWindowLimiter}. */
export interface SlidingWindowLimiterOptions {
  /** Most agents tracked at once; past it the least-recently-used agent's counters are dropped. */
  maxAgents?: number;
}

/** Default cap on the number of agents whose counters are kept. */
export const DEFAULT_MAX_RATE_LIMIT_AGENTS = 10_000;
/**
 * Limits up to this count keep an exact log of call times; larger ones use 64 sub-buckets
 * per window, which may deny slightly early but never late (it never loosens).
 */
export const EXACT_WINDOW_MAX_COUNT = 4096;
const BUCKETS = 64;

interface Window {
  tryAcquire(limit: RateLimit, now: number, record: boolean): boolean;
}

/** Exact sliding log: a ring of the last `count` allowed call times. */
class ExactWindow implements Window {
  private readonly times: number[] = [];
  private next = 0;

  tryAcquire(limit: RateLimit, now: number, record: boolean): boolean {
    if (this.times.length < limit.count) {
      if (record) this.times.push(now);
      return true;
    }
    const oldest = this.times[this.next] ?? Number.NEGATIVE_INFINITY;
    if (now - oldest < limit.windowMs) return false;
    if (record) {
      this.times[this.next] = now;
      this.next = (this.next + 1) % limit.count;
    }
    return true;
  }
}

/** Bucketed sliding window for large counts: conservative (a bucket counts until wholly expired). */
class BucketWindow implements Window {
  private readonly counts = new Float64Array(BUCKETS);
  private readonly starts = new Float64Array(BUCKETS).fill(Number.NEGATIVE_INFINITY);

  tryAcquire(limit: RateLimit, now: number, record: boolean): boolean {
    const width = limit.windowMs / BUCKETS;
    const slot = Math.floor(now / width);
    let total = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const start = this.starts[i] ?? Number.NEGATIVE_INFINITY;
      if (now - start < limit.windowMs + width) total += this.counts[i] ?? 0;
    }
    if (total >= limit.count) return false;
    if (record) {
      const i = slot % BUCKETS;
      const start = slot * width;
      if (this.starts[i] !== start) {
        this.starts[i] = start;
        this.counts[i] = 0;
      }
      this.counts[i] = (this.counts[i] ?? 0) + 1;
    }
    return true;
  }
}

/** The default in-memory sliding-window limiter. */
export function slidingWindowLimiter(options: SlidingWindowLimiterOptions = {}): RateLimiter {
  const maxAgents = options.maxAgents ?? DEFAULT_MAX_RATE_LIMIT_AGENTS;
  if (!Number.isSafeInteger(maxAgents) || maxAgents < 1) throw new RangeError("maxAgents must be a positive integer");
  /** agent id → ("policy\u0000rule" → window); Map order is recency (oldest first). */
  const agents = new Map<string, Map<string, Window>>();

  const windowFor = (key: RateLimitKey, limit: RateLimit, create: boolean): Window | undefined => {
    let perAgent = agents.get(key.agent);
    if (perAgent === undefined) {
      if (!create) return undefined;
      perAgent = new Map();
      agents.set(key.agent, perAgent);
      if (agents.size > maxAgents) {
        const oldest = agents.keys().next();
        if (oldest.done !== true) agents.delete(oldest.value);
      }
    } else {
      agents.delete(key.agent);
      agents.set(key.agent, perAgent);
    }
    const id = `${key.policy}\u0000${key.rule}\u0000${limit.text}`;
    let window = perAgent.get(id);
    if (window === undefined && create) {
      window = limit.count <= EXACT_WINDOW_MAX_COUNT ? new ExactWindow() : new BucketWindow();
      perAgent.set(id, window);
    }
    return window;
  };

  return {
    tryAcquire(key, limit, now) {
      return windowFor(key, limit, true)?.tryAcquire(limit, now, true) ?? true;
    },
    peek(key, limit, now) {
      return windowFor(key, limit, false)?.tryAcquire(limit, now, false) ?? true;
    },
  };
}
