import { describe, expect, it } from "vitest";
import { EXACT_WINDOW_MAX_COUNT, slidingWindowLimiter } from "./rate-limiter.js";

const key = { agent: "a", policy: "p", rule: "r" };
const perMinute = (count: number) => ({ count, windowMs: 60_000, text: `${count}/minute` });

describe("slidingWindowLimiter", () => {
  it("allows N calls in a window, denies the (N+1)-th, and slides", () => {
    const limiter = slidingWindowLimiter();
    const limit = perMinute(2);
    expect(limiter.tryAcquire(key, limit, 0)).toBe(true);
    expect(limiter.tryAcquire(key, limit, 10_000)).toBe(true);
    expect(limiter.tryAcquire(key, limit, 59_999)).toBe(false);
    // The first call leaves the window at 60 000; the second at 70 000.
    expect(limiter.tryAcquire(key, limit, 60_000)).toBe(true);
    expect(limiter.tryAcquire(key, limit, 69_999)).toBe(false);
    expect(limiter.tryAcquire(key, limit, 70_000)).toBe(true);
  });

  it("does not count denied attempts", () => {
    const limiter = slidingWindowLimiter();
    const limit = perMinute(1);
    expect(limiter.tryAcquire(key, limit, 0)).toBe(true);
    for (let t = 1; t < 60_000; t += 5_000) expect(limiter.tryAcquire(key, limit, t)).toBe(false);
    expect(limiter.tryAcquire(key, limit, 60_000)).toBe(true);
  });

  it("counts per agent, policy and rule", () => {
    const limiter = slidingWindowLimiter();
    const limit = perMinute(1);
    expect(limiter.tryAcquire(key, limit, 0)).toBe(true);
    expect(limiter.tryAcquire({ ...key, agent: "b" }, limit, 0)).toBe(true);
    expect(limiter.tryAcquire({ ...key, rule: "r2" }, limit, 0)).toBe(true);
    expect(limiter.tryAcquire({ ...key, policy: "p2" }, limit, 0)).toBe(true);
    expect(limiter.tryAcquire(key, limit, 1)).toBe(false);
  });

  it("peek records nothing", () => {
    const limiter = slidingWindowLimiter();
    const limit = perMinute(1);
    expect(limiter.peek(key, limit, 0)).toBe(true);
    expect(limiter.peek(key, limit, 0)).toBe(true);
    expect(limiter.tryAcquire(key, limit, 0)).toBe(true);
    expect(limiter.peek(key, limit, 1)).toBe(false);
  });

  it("bounds memory by evicting the least-recently-used agent", () => {
    const limiter = slidingWindowLimiter({ maxAgents: 2 });
    const limit = perMinute(1);
    limiter.tryAcquire({ ...key, agent: "x" }, limit, 0);
    limiter.tryAcquire({ ...key, agent: "y" }, limit, 0);
    limiter.tryAcquire({ ...key, agent: "x" }, limit, 1); // x is now most recent (denied, still touched)
    limiter.tryAcquire({ ...key, agent: "z" }, limit, 2); // evicts y
    expect(limiter.tryAcquire({ ...key, agent: "x" }, limit, 3)).toBe(false);
    expect(limiter.tryAcquire({ ...key, agent: "y" }, limit, 3)).toBe(true);
  });

  it("never lets more than N through in any window for large limits (bucketed)", () => {
    const limiter = slidingWindowLimiter();
    const count = EXACT_WINDOW_MAX_COUNT + 100;
    const limit = { count, windowMs: 1000, text: `${count}/second` };
    const allowedAt: number[] = [];
    for (let t = 0; t < 3000; t += 0.25) if (limiter.tryAcquire(key, limit, t)) allowedAt.push(t);
    for (let i = 0; i + count < allowedAt.length; i++) expect((allowedAt[i + count] ?? 0) - (allowedAt[i] ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(allowedAt.length).toBeGreaterThan(count);
  });

  it("rejects a bad cap", () => {
    expect(() => slidingWindowLimiter({ maxAgents: 0 })).toThrow(RangeError);
  });
});
