import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { canonicalJson, generateKeyPair, publicKeyOf, utf8 } from "@agentgov/registry-protocol";
import { copyFixture, tempDir } from "../testing/fixtures/fixture.js";
import { pack } from "../pack/pack.js";
import { sign } from "../sign/sign.js";
import { addTrustedKey, pinTofu, setPolicy } from "../trust/trust-edit.js";
import { defaultTrustStore } from "../trust/trust-store.js";
import { verify } from "./verify.js";

const CREATED_AT = "2026-11-21T05:00:00Z";
/** A fixed test seed, so the envelope is golden too (Ed25519 signatures are deterministic). */
const SEED = new Uint8Array(32).fill(7);
/** The identity point: small order, accepted by lax verifiers for any message. */
const SMALL_ORDER_KEY = Uint8Array.from([1, ...new Array<number>(31).fill(0)]);

let tgz: string;
let envelopePath: string;
let other: { tgz: string; envelope: string };

async function packAndSign(mutate?: (dir: string) => Promise<void>): Promise<{ tgz: string; envelope: string }> {
  const dir = await copyFixture();
  if (mutate !== undefined) await mutate(dir);
  const packed = await pack(dir, { outDir: await tempDir(), createdAt: CREATED_AT });
  const signed = await sign(packed.tarballPath, [SEED]);
  return { tgz: packed.tarballPath, envelope: signed.envelopePath };
}

beforeAll(async () => {
  ({ tgz, envelope: envelopePath } = await packAndSign());
  other = await packAndSign(async (dir) => { await writeFile(join(dir, "lib/util.js"), "export const x = 1;\n"); });
});

const trusted = { trustedKeys: [publicKeyOf(SEED)] };

describe("verify", () => {
  it("accepts the signed tarball", async () => {
    const result = await verify(tgz, envelopePath, trusted, { expect: { name: "@acme/web-search", version: "1.4.2" } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.manifest.name).toBe("@acme/web-search");
    expect(result.keyids).toHaveLength(1);
    expect(result.size).toBe(result.manifest.artifact.size);
  });

  it("rejects a flipped byte with REGISTRY_DIGEST_MISMATCH", async () => {
    const bytes = await readFile(tgz);
    for (const at of [0, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] ?? 0) ^ 0x01;
      const path = join(await tempDir(), "flipped.tgz");
      await writeFile(path, copy);
      const result = await verify(path, envelopePath, trusted);
      expect(result.ok ? "ok" : result.error.code).toBe("REGISTRY_DIGEST_MISMATCH");
    }
  });

  it("rejects an appended or truncated tarball", async () => {
    const bytes = await readFile(tgz);
    const path = join(await tempDir(), "t.tgz");
    await writeFile(path, Buffer.concat([bytes, Buffer.alloc(1)]));
    expect(await verify(path, envelopePath, trusted)).toMatchObject({ ok: false, error: { code: "REGISTRY_DIGEST_MISMATCH" } });
    await writeFile(path, bytes.subarray(0, -1));
    expect(await verify(path, envelopePath, trusted)).toMatchObject({ ok: false, error: { code: "REGISTRY_DIGEST_MISMATCH" } });
  });

  it("rejects a swapped envelope", async () => {
    expect(await verify(tgz, other.envelope, trusted)).toMatchObject({ ok: false, error: { code: "REGISTRY_DIGEST_MISMATCH" } });
    expect(await verify(other.tgz, envelopePath, trusted)).toMatchObject({ ok: false, error: { code: "REGISTRY_DIGEST_MISMATCH" } });
  });

  it("rejects an untrusted key with REGISTRY_UNTRUSTED_KEY", async () => {
    const stranger = generateKeyPair();
    expect(await verify(tgz, envelopePath, { trustedKeys: [stranger.publicKey] })).toMatchObject({ ok: false, error: { code: "REGISTRY_UNTRUSTED_KEY" } });
  });

  it("rejects a small-order key with REGISTRY_WEAK_KEY", async () => {
    expect(await verify(tgz, envelopePath, { trustedKeys: [SMALL_ORDER_KEY] })).toMatchObject({ ok: false, error: { code: "REGISTRY_WEAK_KEY" } });
  });

  it("rejects a forged signature, a tampered payload and a wrong payload type", async () => {
    const envelope = JSON.parse(await readFile(envelopePath, "utf8")) as { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
    const dir = await tempDir();
    const write = async (value: unknown): Promise<string> => {
      const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
      await writeFile(path, canonicalJson(value));
      return path;
    };
    const sig = Buffer.from(envelope.signatures[0]!.sig, "base64");
    sig[0] = (sig[0] ?? 0) ^ 1;
    const forged = { ...envelope, signatures: [{ keyid: envelope.signatures[0]!.keyid, sig: sig.toString("base64") }] };
    expect(await verify(tgz, await write(forged), trusted)).toMatchObject({ ok: false, error: { code: "REGISTRY_SIGNATURE_INVALID" } });
    const manifest = JSON.parse(Buffer.from(envelope.payload, "base64").toString()) as Record<string, unknown>;
    const tampered = { ...envelope, payload: Buffer.from(canonicalJson({ ...manifest, description: "evil" })).toString("base64") };
    expect(await verify(tgz, await write(tampered), trusted)).toMatchObject({ ok: false, error: { code: "REGISTRY_SIGNATURE_INVALID" } });
    const retyped = { ...envelope, payloadType: "application/vnd.agentgov.yank.v1+json" };
    expect(await verify(tgz, await write(retyped), trusted)).toMatchObject({ ok: false, error: { code: "REGISTRY_PAYLOAD_TYPE" } });
  });

  it("rejects an envelope for another package when one is expected", async () => {
    const result = await verify(tgz, envelopePath, trusted, { expect: { name: "@acme/web-search", version: "1.4.3" } });
    expect(result).toMatchObject({ ok: false, error: { code: "REGISTRY_MANIFEST_INVALID" } });
  });

  it("rejects an oversized envelope before parsing", async () => {
    const path = join(await tempDir(), "big.json");
    await writeFile(path, utf8(" ".repeat(128 * 1024 + 1)));
    expect(await verify(tgz, path, trusted)).toMatchObject({ ok: false, error: { code: "REGISTRY_SIGNATURE_INVALID" } });
  });

  it("reports a missing file as a typed error", async () => {
    expect(await verify(join(await tempDir(), "none.tgz"), envelopePath, trusted)).toMatchObject({ ok: false, error: { code: "REGISTRY_REQUEST_INVALID" } });
  });
});

describe("verify with a trust store", () => {
  const publicKey = publicKeyOf(SEED);

  it("pinned: accepts listed keys, rejects others", async () => {
    const { store, keyid } = addTrustedKey(defaultTrustStore(), publicKey, "acme");
    const pinned = setPolicy(store, "@acme/*", { mode: "pinned", keyids: [keyid] });
    expect(await verify(tgz, envelopePath, { store: pinned })).toMatchObject({ ok: true, trust: { mode: "pinned", match: "@acme/*" } });
    const strangerKey = generateKeyPair().publicKey;
    const other2 = addTrustedKey(defaultTrustStore(), strangerKey, "acme");
    const wrong = setPolicy(other2.store, "@acme/*", { mode: "pinned", keyids: [other2.keyid] });
    expect(await verify(tgz, envelopePath, { store: wrong })).toMatchObject({ ok: false, error: { code: "REGISTRY_UNTRUSTED_KEY" } });
  });

  it("tofu: first use is flagged; a pin to other keys is REGISTRY_KEY_CHANGED", async () => {
    const { store, keyid } = addTrustedKey(defaultTrustStore(), publicKey, "acme");
    expect(await verify(tgz, envelopePath, { store })).toMatchObject({ ok: true, trust: { mode: "tofu", firstUse: true } });
    expect(await verify(tgz, envelopePath, { store: pinTofu(store, "acme", [keyid]) })).toMatchObject({ ok: true, trust: { firstUse: false } });
    const changed = pinTofu(store, "acme", [generateKeyPair().keyid]);
    expect(await verify(tgz, envelopePath, { store: changed })).toMatchObject({ ok: false, error: { code: "REGISTRY_KEY_CHANGED" } });
  });

  it("tofu without any known key, or no matching policy, is REGISTRY_UNTRUSTED_KEY", async () => {
    expect(await verify(tgz, envelopePath, { store: defaultTrustStore() })).toMatchObject({ ok: false, error: { code: "REGISTRY_UNTRUSTED_KEY" } });
    const none = { ...defaultTrustStore(), policies: [] };
    expect(await verify(tgz, envelopePath, { store: none })).toMatchObject({ ok: false, error: { code: "REGISTRY_UNTRUSTED_KEY" } });
  });

  it("pinned threshold 2: one signature is REGISTRY_THRESHOLD, two distinct signers pass", async () => {
    const second = new Uint8Array(32).fill(8);
    const a = addTrustedKey(defaultTrustStore(), publicKey, "acme");
    const b = addTrustedKey(a.store, publicKeyOf(second), "acme");
    const store = setPolicy(b.store, "@acme/*", { mode: "pinned", keyids: [a.keyid, b.keyid], threshold: 2 });
    expect(await verify(tgz, envelopePath, { store })).toMatchObject({ ok: false, error: { code: "REGISTRY_THRESHOLD" } });
    const cosigned = await sign(tgz, [SEED, second], { envelopePath: join(await tempDir(), "co.agentsig.json") });
    const result = await verify(tgz, cosigned.envelopePath, { store });
    expect(result.ok ? [...result.keyids].sort() : result.error.code).toEqual([a.keyid, b.keyid].sort());
  });

  it("registry: the publisher's known keys; another publisher's key does not count", async () => {
    const mine = setPolicy(addTrustedKey(defaultTrustStore(), publicKey, "acme").store, "*", { mode: "registry" });
    expect(await verify(tgz, envelopePath, { store: mine })).toMatchObject({ ok: true, trust: { mode: "registry" } });
    const theirs = setPolicy(addTrustedKey(defaultTrustStore(), publicKey, "evil").store, "*", { mode: "registry" });
    expect(await verify(tgz, envelopePath, { store: theirs })).toMatchObject({ ok: false, error: { code: "REGISTRY_UNTRUSTED_KEY" } });
  });
});
