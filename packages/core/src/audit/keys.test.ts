import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateAuditKeyPair } from "./index.js";
import { keyIdOf, toPublicKey, toSigner } from "./keys.js";

describe("audit keys", () => {
  it("generateAuditKeyPair returns Ed25519 PEMs and the sha256 of the raw public key as key id", () => {
    const keys = generateAuditKeyPair();
    expect(keys.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(keys.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const spki = createPublicKey(keys.publicKey).export({ type: "spki", format: "der" });
    const raw = spki.subarray(spki.length - 32); // an Ed25519 SPKI ends with the 32-byte key
    expect(keys.keyId).toBe(createHash("sha256").update(raw).digest("hex"));
    expect(generateAuditKeyPair().keyId).not.toBe(keys.keyId);
  });

  it("accepts a PEM or a KeyObject, private or public as appropriate, with the same key id", () => {
    const keys = generateAuditKeyPair();
    const fromPem = toSigner(keys.privateKey);
    const fromObject = toSigner(createPrivateKey(keys.privateKey));
    expect(fromPem.keyId).toBe(keys.keyId);
    expect(fromObject.keyId).toBe(keys.keyId);
    expect(keyIdOf(toPublicKey(keys.publicKey))).toBe(keys.keyId);
    expect(keyIdOf(toPublicKey(keys.privateKey))).toBe(keys.keyId);
    expect(keyIdOf(toPublicKey(createPrivateKey(keys.privateKey)))).toBe(keys.keyId);
  });

  it("refuses keys that are not Ed25519, a public key as signing key, and garbage, with INVALID_OPTIONS", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const invalid = expect.objectContaining({ code: "INVALID_OPTIONS" }) as Error;
    expect(() => toSigner(rsa.privateKey)).toThrow(invalid);
    expect(() => toPublicKey(rsa.publicKey)).toThrow(invalid);
    expect(() => toSigner(createPublicKey(generateAuditKeyPair().publicKey))).toThrow(invalid);
    expect(() => toSigner(generateAuditKeyPair().publicKey)).toThrow(invalid);
    expect(() => toSigner("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----")).toThrow(invalid);
    expect(() => toPublicKey("nope")).toThrow(invalid);
  });
});
