/** The root chain (REGISTRY.md §4.9) served by a real node:http server on 127.0.0.1. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canonicalJson, formatRfc3339Seconds, generateKeyPair, sha256, signStatement, toBase64, toHex, type KeyId,
} from "@agentgov/registry-protocol";
import { RegistryHttp } from "./http-client.js";
import { verifyRootChain, type RegistryRoot } from "./root-chain.js";

type Pair = { secretKey: Uint8Array; publicKey: Uint8Array; keyid: KeyId };
const NOW = Math.floor(Date.now() / 1000);
const roots = new Map<string, string>();
let server: Server;
let http: RegistryHttp;

function root(version: number, rootKey: Pair, expires = NOW + 3600): RegistryRoot {
  const others = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const keys: RegistryRoot["keys"] = { [rootKey.keyid]: { keytype: "ed25519", publicKey: toBase64(rootKey.publicKey) } };
  for (const k of others) keys[k.keyid] = { keytype: "ed25519", publicKey: toBase64(k.publicKey) };
  keys["SHA256:npm"] = { keytype: "ecdsa-p256", publicKey: "AAAA" };
  const role = (k: Pair): { keyids: string[]; threshold: number } => ({ keyids: [k.keyid], threshold: 1 });
  return {
    _type: "agentgov/root/v1", version, expires: formatRfc3339Seconds(expires), origin: "registry.test/log", keys,
    roles: { root: role(rootKey), log: role(others[0] as Pair), index: role(others[1] as Pair), admin: role(others[2] as Pair), npm: { keyids: ["SHA256:npm"], threshold: 1 } },
  };
}

function serve(chain: string[]): void {
  roots.clear();
  chain.forEach((text, i) => roots.set(`/v1/root/${String(i + 1)}.json`, text));
  roots.set("/v1/root.json", chain[chain.length - 1] ?? "");
}

const k1 = generateKeyPair();
const k2 = generateKeyPair();
const r1 = canonicalJson(signStatement("root", root(1, k1), [k1.secretKey]));
const pin1 = toHex(sha256(Buffer.from(r1)));

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = roots.get(req.url ?? "");
    if (body === undefined) { res.writeHead(404); res.end(); return; }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  http = new RegistryHttp(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}`);
});
afterAll(async () => {
  http.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("verifyRootChain", () => {
  it("pins root 1 on first use and walks a rotation signed by the old and new root keys", async () => {
    const r2 = canonicalJson(signStatement("root", root(2, k2), [k1.secretKey, k2.secretKey]));
    serve([r1, r2]);
    const verified = await verifyRootChain(http, { now: NOW });
    expect(verified).toMatchObject({ firstUse: true, root1Sha256: pin1 });
    expect(verified.root.version).toBe(2);
    expect((await verifyRootChain(http, { now: NOW, pinnedRoot1Sha256: pin1 })).firstUse).toBe(false);
  });

  it("refuses a root 1 other than the pinned one", async () => {
    serve([r1]);
    await expect(verifyRootChain(http, { now: NOW, pinnedRoot1Sha256: "0".repeat(64) })).rejects.toMatchObject({ code: "REGISTRY_UNTRUSTED_KEY" });
  });

  it("refuses a new root not signed by the previous root key", async () => {
    serve([r1, canonicalJson(signStatement("root", root(2, k2), [k2.secretKey]))]);
    await expect(verifyRootChain(http, { now: NOW })).rejects.toMatchObject({ code: "REGISTRY_THRESHOLD" });
  });

  it("refuses a new root not signed by its own root key", async () => {
    serve([r1, canonicalJson(signStatement("root", root(2, k2), [k1.secretKey]))]);
    await expect(verifyRootChain(http, { now: NOW })).rejects.toMatchObject({ code: "REGISTRY_THRESHOLD" });
  });

  it("refuses a lower root than the stored one, and an expired root", async () => {
    const r2 = canonicalJson(signStatement("root", root(2, k2), [k1.secretKey, k2.secretKey]));
    serve([r1]);
    await expect(verifyRootChain(http, { now: NOW, stored: r2, storedRoot1Sha256: pin1 })).rejects.toMatchObject({ code: "REGISTRY_ROLLBACK" });
    serve([canonicalJson(signStatement("root", root(1, k1, NOW - 10), [k1.secretKey]))]);
    await expect(verifyRootChain(http, { now: NOW })).rejects.toMatchObject({ code: "REGISTRY_STALE" });
  });

  it("refuses a second, different root under a verified version (REGISTRY_LOG_FORK)", async () => {
    serve([r1]);
    const other = canonicalJson(signStatement("root", root(1, k1), [k1.secretKey]));
    roots.set("/v1/root.json", other);
    await expect(verifyRootChain(http, { now: NOW, pinnedRoot1Sha256: pin1 })).rejects.toMatchObject({ code: "REGISTRY_LOG_FORK" });
  });

  it("refuses a root signed as another payload type", async () => {
    serve([canonicalJson(signStatement("index", { ...root(1, k1), _type: "agentgov/index/v1" }, [k1.secretKey]))]);
    await expect(verifyRootChain(http, { now: NOW })).rejects.toMatchObject({ code: expect.stringMatching(/REGISTRY_(PAYLOAD_TYPE|REQUEST_INVALID)/) as unknown });
  });
});
