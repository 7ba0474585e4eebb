import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseJson } from "./json-body.js";
import { createPendingCalls } from "./pending-calls.js";
import { createAuthenticator, issueToken, readTokens } from "./tokens.js";

describe("parseJson", () => {
  it("counts nesting outside strings only", () => {
    expect(parseJson(`{"a":"${"[".repeat(500)}\\"{"}`, 4)).toEqual({ a: `${"[".repeat(500)}"{` });
    expect(() => parseJson("[[[[[1]]]]]", 4)).toThrow(expect.objectContaining({ code: "JSON_TOO_DEEP", status: 400 }) as Error);
    expect(parseJson("[[[[1]]]]", 4)).toEqual([[[[1]]]]);
    expect(() => parseJson('{"a":', 4)).toThrow(expect.objectContaining({ code: "BAD_JSON" }) as Error);
  });
});

describe("tokens", () => {
  it("stores only hashes, 0600, and authenticates by scope", () => {
    const dir = mkdtempSync(join(tmpdir(), "agentgov-tokens-"));
    try {
      const file = join(dir, "tokens.json");
      const admin = issueToken(file, { id: "admin", scopes: ["admin"], exclusive: true });
      const reader = issueToken(file, { id: "reader", scopes: ["audit:read"] });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(() => issueToken(file, { id: "x", scopes: ["admin"], exclusive: true })).toThrow(expect.objectContaining({ code: "TOKENS_EXIST" }) as Error);
      const stored = readTokens(file);
      expect(stored.map((t) => t.id)).toEqual(["admin", "reader"]);
      expect(JSON.stringify(stored)).not.toContain(admin.slice(4));
      const auth = createAuthenticator(stored);
      expect(auth.authenticate(`Bearer ${reader}`)).toEqual({ id: "reader", scopes: ["audit:read"] });
      expect(auth.authenticate(`Bearer ${admin}`)?.id).toBe("admin");
      for (const header of [undefined, "", admin, `Basic ${admin}`, `Bearer ${admin} `, `Bearer ${admin}x`, `Bearer ${"a".repeat(10_000)}`]) {
        expect(auth.authenticate(header)).toBeNull();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("pending calls", () => {
  it("are bounded in number and time", () => {
    let now = 0;
    const pending = createPendingCalls({ max: 2, ttlMs: 100, clock: () => now });
    const call = (agent: string) => ({ agent, stage: "pre_tool" as const, decision: { allowed: true, action: "allow" as const, matched_rule: null, policy: null, code: "default" as const }, policy_digest: "d" });
    pending.add("1", call("a"));
    pending.add("2", call("b"));
    pending.add("3", call("a"));
    expect(pending.count()).toBe(2);
    expect(pending.take("1")).toBeUndefined();
    expect(pending.count("a")).toBe(1);
    now = 200;
    expect(pending.take("3")).toBeUndefined();
    expect(pending.count()).toBe(0);
  });

  it("evict the oldest at the bound, treat a call set again as the newest, and agree with a model over many operations", () => {
    let now = 0;
    const max = 50;
    const ttl = 1000;
    const pending = createPendingCalls({ max, ttlMs: ttl, clock: () => now });
    const call = (agent: string) => ({ agent, stage: "pre_tool" as const, decision: { allowed: true, action: "allow" as const, matched_rule: null, policy: null, code: "default" as const }, policy_digest: "d" });
    // The model: insertion order is age order; at most `max`; older than `ttl` expires.
    const model = new Map<string, { agent: string; at: number }>();
    const expireModel = (): void => {
      for (const [key, { at }] of model) {
        if (now - at < ttl && model.size <= max) break;
        model.delete(key);
      }
    };
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    for (let i = 0; i < 20_000; i++) {
      const id = String(next(120));
      const op = next(10);
      if (op < 6) {
        const agent = `agent-${String(next(3))}`;
        pending.add(id, call(agent));
        model.delete(id);
        model.set(id, { agent, at: now });
        expireModel();
      } else if (op < 9) {
        expireModel();
        const had = model.get(id);
        model.delete(id);
        expect(pending.take(id)?.agent).toBe(had?.agent);
      } else now += next(40);
      if (i % 97 === 0) {
        expect(pending.count()).toBe(model.size);
        expect(pending.count("agent-1")).toBe([...model.values()].filter((c) => c.agent === "agent-1").length);
      }
    }
    expect(pending.count()).toBeGreaterThan(0);
  });
});

describe("createGovernanceServer options", () => {
  it("refuses unusable limits before touching anything", async () => {
    const { createGovernanceServer } = await import("./server.js");
    for (const bad of [{ maxBodyBytes: 0 }, { maxBatch: 1.5 }, { requestTimeoutMs: -1 }]) {
      expect(() => createGovernanceServer({ ...bad, dataDir: join(tmpdir(), "agentgov-never-created"), tokens: [] }), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }) as Error);
    }
    expect(() => statSync(join(tmpdir(), "agentgov-never-created"))).toThrow();
  });
});
