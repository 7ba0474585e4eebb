import { describe, expect, it } from "vitest";
import { verifyRotateEnvelope } from "./rotation.js";
import { addSignature, signStatement } from "./dsse.js";
import { generateKeyPair } from "./ed25519.js";
import { toBase64 } from "./encoding.js";
import type { VerifyEnvelopeResult } from "./dsse.js";

const [a, b, c, n] = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()];
const rotate = {
  _type: "agentgov/rotate/v1", registry: "registry.example.com/log", publisher: "acme", issuedAt: "2026-11-21T05:00:00Z",
  add: [{ keyid: n.keyid, publicKey: toBase64(n.publicKey) }], remove: [a.keyid],
};
const current = { currentKeys: [a.publicKey, b.publicKey, c.publicKey], threshold: 2 };

function code<T>(result: VerifyEnvelopeResult<T>): string | undefined {
  return result.ok ? undefined : result.error.code;
}

describe("verifyRotateEnvelope (§11.9)", () => {
  it("accepts the current threshold plus the new key", () => {
    const envelope = signStatement("rotate", rotate, [a.secretKey, b.secretKey, n.secretKey]);
    const result = verifyRotateEnvelope(envelope, current);
    expect(result.ok && result.statement.add[0]?.keyid).toBe(n.keyid);
    expect(verifyRotateEnvelope(JSON.stringify(envelope), current).ok).toBe(true);
  });
  it("rejects a rotation missing the new key's signature", () => {
    expect(code(verifyRotateEnvelope(signStatement("rotate", rotate, [a.secretKey, b.secretKey]), current))).toBe("REGISTRY_THRESHOLD");
  });
  it("rejects a rotation below the current threshold", () => {
    expect(code(verifyRotateEnvelope(signStatement("rotate", rotate, [a.secretKey, n.secretKey]), current))).toBe("REGISTRY_THRESHOLD");
    expect(code(verifyRotateEnvelope(signStatement("rotate", rotate, [n.secretKey]), current))).toBe("REGISTRY_THRESHOLD");
  });
  it("rejects a signature by a removed or unknown key", () => {
    const removed = generateKeyPair();
    const envelope = addSignature(signStatement("rotate", rotate, [a.secretKey, b.secretKey, n.secretKey]), removed.secretKey);
    expect(code(verifyRotateEnvelope(envelope, current))).toBe("REGISTRY_UNTRUSTED_KEY");
  });
  it("rejects another kind, a bad threshold option and a tampered payload", () => {
    const revoke = signStatement("revoke", { _type: "agentgov/revoke/v1" }, [a.secretKey, b.secretKey]);
    expect(code(verifyRotateEnvelope(revoke, current))).toBe("REGISTRY_PAYLOAD_TYPE");
    const envelope = signStatement("rotate", rotate, [a.secretKey, b.secretKey, n.secretKey]);
    expect(code(verifyRotateEnvelope(envelope, { ...current, threshold: 0 }))).toBe("REGISTRY_REQUEST_INVALID");
    expect(code(verifyRotateEnvelope({ ...envelope, payload: toBase64(new TextEncoder().encode("{}")) }, current))).toBe("REGISTRY_SIGNATURE_INVALID");
  });
  it("rejects a signed but malformed rotation", () => {
    const bad = { ...rotate, add: [], remove: [] };
    expect(code(verifyRotateEnvelope(signStatement("rotate", bad, [a.secretKey, b.secretKey]), current))).toBe("REGISTRY_REQUEST_INVALID");
  });
});
