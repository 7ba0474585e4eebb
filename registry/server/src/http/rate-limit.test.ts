import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limit.js";

describe("RateLimiter", () => {
  it("allows the per-minute budget, then refills with time", () => {
    let now = 0;
    const limiter = new RateLimiter(3, 100, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take("a"))).toEqual([true, true, true, false]);
    expect(limiter.take("b")).toBe(true);
    now += 20_000;
    expect(limiter.take("a")).toBe(true);
    expect(limiter.take("a")).toBe(false);
  });

  it("keeps at most maxKeys buckets, evicting the oldest", () => {
    const now = 0;
    const limiter = new RateLimiter(1, 2, () => now);
    expect(limiter.take("a")).toBe(true);
    expect(limiter.take("b")).toBe(true);
    expect(limiter.take("c")).toBe(true);
    // "a" was evicted, so it starts with a fresh bucket; "c" is still empty.
    expect(limiter.take("a")).toBe(true);
    expect(limiter.take("c")).toBe(false);
  });
});
