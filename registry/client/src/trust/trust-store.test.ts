import { readFile, readdir, stat, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { generateKeyPair, keyIdOf, toBase64 } from "@agentgov/registry-protocol";
import { tempDir } from "../testing/fixtures/fixture.js";
import { acceptPublisher, addTrustedKey, pinTofu, removePolicy, setPolicy } from "./trust-edit.js";
import { defaultTrustStore, loadTrustStore, parseTrustStore, saveTrustStore, trustStorePath } from "./trust-store.js";
import { matchesGlob, resolveTrust } from "./resolve.js";

const SMALL_ORDER_KEY = Uint8Array.from([1, ...new Array<number>(31).fill(0)]);

describe("trust store", () => {
  it("a fresh home gets * -> tofu", async () => {
    expect(await loadTrustStore(join(await tempDir(), "none"))).toEqual(defaultTrustStore());
  });

  it("saves atomically (0600, no temp file left) and loads back", async () => {
    const home = join(await tempDir(), "home");
    const { store, keyid } = addTrustedKey(defaultTrustStore(), generateKeyPair().publicKey, "acme");
    const pinned = setPolicy(store, "@acme/*", { mode: "pinned", keyids: [keyid] });
    await saveTrustStore(pinned, home);
    await saveTrustStore(pinned, home);
    expect(await loadTrustStore(home)).toEqual(pinned);
    expect((await stat(trustStorePath(home))).mode & 0o777).toBe(0o600);
    expect(await readdir(home)).toEqual(["trust.json"]);
    expect(pinned.policies.map((p) => p.match)).toEqual(["@acme/*", "*"]);
  });

  it("rejects weak keys with REGISTRY_WEAK_KEY on import and on load", async () => {
    expect(() => addTrustedKey(defaultTrustStore(), SMALL_ORDER_KEY)).toThrow(expect.objectContaining({ code: "REGISTRY_WEAK_KEY" }));
    expect(() => addTrustedKey(defaultTrustStore(), new Uint8Array(31))).toThrow(expect.objectContaining({ code: "REGISTRY_WEAK_KEY" }));
    const home = await tempDir();
    const store = { ...defaultTrustStore(), keys: { [keyIdOf(SMALL_ORDER_KEY)]: { publicKey: toBase64(SMALL_ORDER_KEY) } } };
    await writeFile(trustStorePath(home), JSON.stringify(store));
    await expect(loadTrustStore(home)).rejects.toMatchObject({ code: "REGISTRY_WEAK_KEY" });
  });

  it("parses strictly", async () => {
    const base = defaultTrustStore();
    const bad = [
      { ...base, extra: 1 }, { ...base, version: 2 }, { ...base, policies: [{ match: "*", mode: "yolo" }] },
      { ...base, policies: [{ match: "*", mode: "pinned", keyids: [generateKeyPair().keyid] }] },
      { ...base, policies: [{ match: "*", mode: "tofu", threshold: 1 }] },
      { ...base, keys: { [generateKeyPair().keyid]: { publicKey: toBase64(generateKeyPair().publicKey) } } },
      { ...base, tofu: { acme: { keyids: [] } } },
    ];
    for (const value of bad) expect(() => parseTrustStore(value)).toThrow(expect.objectContaining({ code: "REGISTRY_STORE_CORRUPT" }));
    const home = await tempDir();
    await mkdir(home, { recursive: true });
    await writeFile(trustStorePath(home), "{not json");
    await expect(loadTrustStore(home)).rejects.toMatchObject({ code: "REGISTRY_STORE_CORRUPT" });
  });

  it("pinned thresholds, rm and accept", () => {
    const a = addTrustedKey(defaultTrustStore(), generateKeyPair().publicKey, "acme");
    const b = addTrustedKey(a.store, generateKeyPair().publicKey, "acme");
    const pinned = setPolicy(b.store, "@acme/*", { mode: "pinned", keyids: [a.keyid, b.keyid], threshold: 2 });
    expect(resolveTrust(pinned, "@acme/x", "acme", [a.keyid])).toMatchObject({ mode: "pinned", threshold: 2 });
    expect(() => setPolicy(b.store, "@acme/*", { mode: "pinned", keyids: [a.keyid], threshold: 2 })).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
    expect(removePolicy(pinned, "@acme/*").policies).toEqual([{ match: "*", mode: "tofu" }]);
    expect(() => removePolicy(pinned, "@nope/*")).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
    const tofu = pinTofu(b.store, "acme", [a.keyid], 17);
    expect(tofu.tofu.acme).toEqual({ keyids: [a.keyid], logIndex: 17 });
    expect(() => resolveTrust(tofu, "@acme/x", "acme", [b.keyid])).toThrow(expect.objectContaining({ code: "REGISTRY_KEY_CHANGED" }));
    const accepted = acceptPublisher(tofu, "acme");
    expect(resolveTrust(accepted, "@acme/x", "acme", [b.keyid])).toMatchObject({ firstUse: true });
  });
});

describe("matchesGlob", () => {
  it("matches whole names; * spans any run of characters", () => {
    expect(matchesGlob("*", "@acme/web-search")).toBe(true);
    expect(matchesGlob("@acme/*", "@acme/web-search")).toBe(true);
    expect(matchesGlob("@acme/*", "@acmex/web-search")).toBe(false);
    expect(matchesGlob("@acme/web-*", "@acme/web-search")).toBe(true);
    expect(matchesGlob("web-search", "web-search")).toBe(true);
    expect(matchesGlob("web", "web-search")).toBe(false);
    expect(matchesGlob("a*a", "a")).toBe(false);
    expect(matchesGlob("*b*", "abc")).toBe(true);
  });

  it("agrees with a regular-expression reference", () => {
    const char = fc.constantFrom("a", "b", "/", "@", "*");
    fc.assert(fc.property(fc.string({ unit: char, maxLength: 8 }), fc.string({ unit: fc.constantFrom("a", "b", "/", "@"), maxLength: 8 }), (glob, name) => {
      const reference = new RegExp(`^${glob.split("*").map((p) => p.replace(/[/@]/g, "\\$&")).join(".*")}$`, "s");
      expect(matchesGlob(glob, name)).toBe(reference.test(name));
    }), { numRuns: 2000 });
  });
});

describe("trust.json on disk", () => {
  it("is plain JSON with the §5.3 fields", async () => {
    const home = await tempDir();
    await saveTrustStore(defaultTrustStore(), home);
    expect(JSON.parse(await readFile(trustStorePath(home), "utf8"))).toEqual({ version: 1, registries: {}, keys: {}, policies: [{ match: "*", mode: "tofu" }], tofu: {} });
  });
});
