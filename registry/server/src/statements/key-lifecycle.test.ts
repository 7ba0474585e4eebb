/**
 * Key lifecycle at the registry (REGISTRY.md §5.2; §11 classes 8, 9 and the binding part of
 * 20): binding needs proof of possession and is allowed once; rotation needs the current
 * threshold plus every added key; revocation stops publishes and records compromisedSince.
 * Every rejection writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addSignature, canonicalBytes, canonicalJson, fromBase64, parseEnvelope, sha256, toHex, signStatement, toBase64, type Envelope, type PackageIndex,
} from "@agentgov/registry-protocol";
import {
  call, createPublisher, errorCode, issueToken, issuedAt, newKey, packPlugin, publishPlugin, snapshot, startRegistry,
  type TestKey, type TestRegistry, type TestResponse,
} from "../testing/harness.js";

let reg: TestRegistry;

beforeAll(async () => { reg = await startRegistry(); });
afterAll(async () => { await reg.close(); });

async function expectRejected(send: () => Promise<TestResponse>, status: number, code: string): Promise<void> {
  const before = await snapshot(reg);
  const res = await send();
  expect(res.status, res.text).toBe(status);
  expect(errorCode(res)).toBe(code);
  expect(await snapshot(reg)).toEqual(before);
}

function binding(publisher: string, key: TestKey, signer: TestKey = key, registry?: string): Envelope {
  return signStatement("key-binding", {
    _type: "agentgov/key-binding/v1", registry: registry ?? reg.origin, publisher, publicKey: toBase64(key.publicKey), issuedAt: issuedAt(reg),
  }, [signer.secretKey]);
}

function rotate(publisher: string, add: TestKey[], remove: TestKey[], signers: TestKey[], threshold?: number): Envelope {
  return signStatement("rotate", {
    _type: "agentgov/rotate/v1", registry: reg.origin, publisher, add: add.map((k) => ({ keyid: k.keyid, publicKey: toBase64(k.publicKey) })),
    remove: remove.map((k) => k.keyid), issuedAt: issuedAt(reg), ...(threshold === undefined ? {} : { threshold }),
  }, signers.map((k) => k.secretKey));
}

function revoke(publisher: string, key: TestKey, signers: Uint8Array[], compromisedSince?: number): Envelope {
  return signStatement("revoke", {
    _type: "agentgov/revoke/v1", registry: reg.origin, publisher, keyid: key.keyid, reason: "laptop stolen", issuedAt: issuedAt(reg),
    ...(compromisedSince === undefined ? {} : { compromisedSince }),
  }, signers);
}

async function index(name: string): Promise<PackageIndex> {
  const text = (await call(reg, "GET", `/v1/packages/${name}/index`)).text;
  return JSON.parse(Buffer.from(fromBase64(parseEnvelope(text).payload) ?? new Uint8Array()).toString("utf8")) as PackageIndex;
}

describe("binding", () => {
  it("needs proof of possession, the right registry and publisher, and happens once", async () => {
    expect((await call(reg, "POST", "/v1/admin/publishers", { id: "bob" }, reg.adminToken)).status).toBe(201);
    const token = await issueToken(reg, "bob", ["keys", "publish:@bob/*"]);
    const key = newKey();
    await expectRejected(() => call(reg, "POST", "/v1/publishers/bob/keys", binding("bob", key, newKey()), token), 422, "REGISTRY_UNTRUSTED_KEY");
    await expectRejected(() => call(reg, "POST", "/v1/publishers/bob/keys", binding("bob", key, key, "evil.example/log"), token), 400, "REGISTRY_REQUEST_INVALID");
    await expectRejected(() => call(reg, "POST", "/v1/publishers/bob/keys", binding("eve", key), token), 400, "REGISTRY_REQUEST_INVALID");
    const weak = { ...binding("bob", key) };
    const weakPayload = { _type: "agentgov/key-binding/v1", registry: reg.origin, publisher: "bob", publicKey: toBase64(Uint8Array.of(1, ...new Uint8Array(31))), issuedAt: issuedAt(reg) };
    weak.payload = toBase64(canonicalBytes(weakPayload));
    await expectRejected(() => call(reg, "POST", "/v1/publishers/bob/keys", weak, token), 422, "REGISTRY_WEAK_KEY");
    const stale = signStatement("key-binding", { _type: "agentgov/key-binding/v1", registry: reg.origin, publisher: "bob", publicKey: toBase64(key.publicKey), issuedAt: "2020-01-01T00:00:00Z" }, [key.secretKey]);
    await expectRejected(() => call(reg, "POST", "/v1/publishers/bob/keys", stale, token), 422, "REGISTRY_STALE");
    const ok = await call(reg, "POST", "/v1/publishers/bob/keys", binding("bob", key), token);
    expect(ok.status, ok.text).toBe(201);
    const second = newKey();
    await expectRejected(() => call(reg, "POST", "/v1/publishers/bob/keys", binding("bob", second), token), 422, "REGISTRY_KEY_CHANGED");
  });

  it("a binding replayed verbatim is rejected", async () => {
    expect((await call(reg, "POST", "/v1/admin/publishers", { id: "carol" }, reg.adminToken)).status).toBe(201);
    const token = await issueToken(reg, "carol", ["keys"]);
    const envelope = binding("carol", newKey());
    expect((await call(reg, "POST", "/v1/publishers/carol/keys", envelope, token)).status).toBe(201);
    const stored = await call(reg, "GET", `/v1/statements/${toHex(sha256(canonicalBytes(envelope)))}`);
    expect(stored.text).toBe(canonicalJson(envelope));
    await expectRejected(() => call(reg, "POST", "/v1/publishers/carol/keys", envelope, token), 400, "REGISTRY_REQUEST_INVALID");
  });
});

describe("rotation (class 9)", () => {
  it("accepts current threshold + new key; rejects missing new-key signature, removed or foreign signers", async () => {
    const { key, token } = await createPublisher(reg, "rot");
    const next = newKey();
    await expectRejected(() => call(reg, "POST", "/v1/statements", rotate("rot", [next], [key], [key]), token), 422, "REGISTRY_THRESHOLD");
    await expectRejected(() => call(reg, "POST", "/v1/statements", rotate("rot", [next], [key], [next]), token), 422, "REGISTRY_THRESHOLD");
    await expectRejected(() => call(reg, "POST", "/v1/statements", rotate("rot", [next], [key], [newKey(), next]), token), 422, "REGISTRY_UNTRUSTED_KEY");
    const ok = await call(reg, "POST", "/v1/statements", rotate("rot", [next], [key], [key, next]), token);
    expect(ok.status, ok.text).toBe(201);
    // The removed key can neither rotate again nor publish.
    const third = newKey();
    await expectRejected(() => call(reg, "POST", "/v1/statements", rotate("rot", [third], [], [key, third]), token), 422, "REGISTRY_UNTRUSTED_KEY");
    await expectRejected(async () => publishPlugin(reg, await packPlugin({ name: "@rot/x", version: "1.0.0", publisher: "rot" }, [key]), token), 422, "REGISTRY_UNTRUSTED_KEY");
    expect((await publishPlugin(reg, await packPlugin({ name: "@rot/x", version: "1.0.0", publisher: "rot" }, [next]), token)).status).toBe(201);
  });

  it("threshold 2 counts distinct current keys only", async () => {
    const { key, token } = await createPublisher(reg, "two");
    const k2 = newKey();
    expect((await call(reg, "POST", "/v1/statements", rotate("two", [k2], [], [key, k2], 2), token)).status).toBe(201);
    await expectRejected(async () => publishPlugin(reg, await packPlugin({ name: "@two/x", version: "1.0.0", publisher: "two" }, [key]), token), 422, "REGISTRY_THRESHOLD");
    expect((await publishPlugin(reg, await packPlugin({ name: "@two/x", version: "1.0.0", publisher: "two" }, [key, k2]), token)).status).toBe(201);
    await expectRejected(() => call(reg, "POST", "/v1/statements", rotate("two", [], [k2], [key, k2]), token), 422, "REGISTRY_THRESHOLD");
  });

  it("an unsigned rotation is malformed", async () => {
    const { key, token } = await createPublisher(reg, "uns");
    const envelope = { ...rotate("uns", [newKey()], [], [key]), signatures: [] };
    await expectRejected(() => call(reg, "POST", "/v1/statements", envelope, token), 422, "REGISTRY_SIGNATURE_INVALID");
  });
});

describe("revocation (class 8)", () => {
  it("stops publishes by the key and records compromisedSince in the index", async () => {
    const { key, token } = await createPublisher(reg, "rev");
    const spare = newKey();
    expect((await call(reg, "POST", "/v1/statements", rotate("rev", [spare], [], [key, spare]), token)).status).toBe(201);
    const early = await publishPlugin(reg, await packPlugin({ name: "@rev/x", version: "1.0.0", publisher: "rev" }, [key]), token);
    expect(early.status).toBe(201);
    const earlyIndex = (early.json() as { logIndex: number }).logIndex;
    const res = await call(reg, "POST", "/v1/statements", revoke("rev", key, [key.secretKey], earlyIndex + 1), token);
    expect(res.status, res.text).toBe(201);
    const revokedAt = (res.json() as { logIndex: number }).logIndex;
    await expectRejected(async () => publishPlugin(reg, await packPlugin({ name: "@rev/x", version: "1.0.1", publisher: "rev" }, [key]), token), 422, "REGISTRY_KEY_REVOKED");
    const idx = await index("@rev/x");
    expect(idx.keys.find((k) => k.keyid === key.keyid)).toEqual({ keyid: key.keyid, boundAt: expect.any(Number) as number, revokedAt, compromisedSince: earlyIndex + 1 });
    expect(idx.versions["1.0.0"]?.logIndex).toBeLessThan(earlyIndex + 1);
    expect((await publishPlugin(reg, await packPlugin({ name: "@rev/x", version: "1.0.1", publisher: "rev" }, [spare]), token)).status).toBe(201);
  });

  it("defaults compromisedSince to the revoke entry's own index", async () => {
    const { key, token } = await createPublisher(reg, "def");
    expect((await publishPlugin(reg, await packPlugin({ name: "@def/x", version: "1.0.0", publisher: "def" }, [key]), token)).status).toBe(201);
    const res = await call(reg, "POST", "/v1/statements", revoke("def", key, [reg.adminSeed]), token);
    expect(res.status, res.text).toBe(201);
    const at = (res.json() as { logIndex: number }).logIndex;
    expect((await index("@def/x")).keys[0]).toMatchObject({ revokedAt: at, compromisedSince: at });
  });

  it("refuses a revocation by a non-member, a future compromisedSince, and a second revocation", async () => {
    const { key, token } = await createPublisher(reg, "mem");
    const outsider = await createPublisher(reg, "outsider");
    await expectRejected(() => call(reg, "POST", "/v1/statements", revoke("mem", key, [outsider.key.secretKey]), token), 422, "REGISTRY_UNTRUSTED_KEY");
    await expectRejected(() => call(reg, "POST", "/v1/statements", revoke("mem", key, [key.secretKey], 1_000_000), token), 400, "REGISTRY_REQUEST_INVALID");
    await expectRejected(() => call(reg, "POST", "/v1/statements", revoke("mem", key, [key.secretKey]), outsider.token), 403, "REGISTRY_AUTH");
    expect((await call(reg, "POST", "/v1/statements", revoke("mem", key, [key.secretKey]), token)).status).toBe(201);
    await expectRejected(() => call(reg, "POST", "/v1/statements", revoke("mem", key, [key.secretKey], 0), token), 422, "REGISTRY_KEY_REVOKED");
  });
});

describe("attest", () => {
  it("a current key re-signs a version whose signer was revoked; the stored envelope and index gain it", async () => {
    const { key, token } = await createPublisher(reg, "att");
    const next = newKey();
    const plugin = await packPlugin({ name: "@att/x", version: "1.0.0", publisher: "att" }, [key]);
    expect((await publishPlugin(reg, plugin, token)).status).toBe(201);
    expect((await call(reg, "POST", "/v1/statements", rotate("att", [next], [], [key, next]), token)).status).toBe(201);
    expect((await call(reg, "POST", "/v1/statements", revoke("att", key, [key.secretKey], 0), token)).status).toBe(201);
    const attest = addSignature({ ...plugin.envelope, signatures: [] }, next.secretKey);
    // A revoked signer, another payload and a foreign key are refused, writing nothing.
    await expectRejected(() => call(reg, "POST", "/v1/statements", addSignature({ ...plugin.envelope, signatures: [] }, key.secretKey), token), 422, "REGISTRY_KEY_REVOKED");
    const other = await packPlugin({ name: "@att/x", version: "1.0.0", publisher: "att", salt: "other" }, [next]);
    await expectRejected(() => call(reg, "POST", "/v1/statements", other.envelope, token), 422, "REGISTRY_DIGEST_MISMATCH");
    await expectRejected(() => call(reg, "POST", "/v1/statements", addSignature({ ...plugin.envelope, signatures: [] }, newKey().secretKey), token), 422, "REGISTRY_UNTRUSTED_KEY");
    const res = await call(reg, "POST", "/v1/statements", attest, token);
    expect(res.status, res.text).toBe(201);
    expect((res.json() as { entry: { kind: string; keyids: string[] } }).entry).toMatchObject({ kind: "attest", keyids: [next.keyid] });
    const stored = parseEnvelope((await call(reg, "GET", "/v1/packages/@att/x/1.0.0/envelope")).text);
    expect(stored.signatures.map((s) => s.keyid)).toEqual([key.keyid, next.keyid]);
    expect((await index("@att/x")).versions["1.0.0"]?.keyids).toEqual([key.keyid, next.keyid].sort());
    await expectRejected(() => call(reg, "POST", "/v1/statements", attest, token), 400, "REGISTRY_REQUEST_INVALID");
  });
});
