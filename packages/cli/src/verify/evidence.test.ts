import { generateAuditKeyPair } from "@agentgov/core/audit";
import { describe, expect, it } from "vitest";
import { checkEvidence, EVIDENCE_SCHEMA, EvidenceError, ephemeralSigner, publicKeyFromPem, signerFromPem, signEvidence, type Evidence } from "./evidence.js";

const unsigned = (): Omit<Evidence, "signature"> => ({
  schema: EVIDENCE_SCHEMA,
  created_at: "2026-11-21T00:00:00.000Z",
  generator: { name: "agentgov verify", version: "0.1.0" },
  owasp: "OWASP Top 10 for Agentic Applications 2026",
  catalogue: { version: "x", attacks: 0 },
  policies: { files: [], digest: "d".repeat(64) },
  report: { agent: "bot", policy_digest: "d".repeat(64), attacks: 0, stopped: 0, got_through: 0, risks: [] },
});
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (error) {
    if (error instanceof EvidenceError) return error.code;
    throw error;
  }
  return "none";
};

describe("evidence signatures", () => {
  it("round-trips with an ephemeral key and with a given key", () => {
    expect(checkEvidence(signEvidence(unsigned(), ephemeralSigner()))).toMatchObject({ ephemeral: true, trustedKey: false });
    const keys = generateAuditKeyPair();
    const doc = signEvidence(unsigned(), signerFromPem(keys.privateKey));
    expect(checkEvidence(doc, publicKeyFromPem(keys.publicKey))).toEqual({ keyId: keys.keyId, ephemeral: false, trustedKey: true });
    expect(doc.signature.key_id).toBe(keys.keyId);
  });

  it("refuses a small-order embedded key, which would verify forged signatures", () => {
    const doc = signEvidence(unsigned(), ephemeralSigner());
    const small = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.alloc(32)]);
    const pem = `-----BEGIN PUBLIC KEY-----\n${small.toString("base64")}\n-----END PUBLIC KEY-----\n`;
    expect(codeOf(() => checkEvidence({ ...doc, signature: { ...doc.signature, public_key: pem } }))).toBe("KEY_UNUSABLE");
  });

  it("refuses non-objects, unknown schemas, malformed signature values and non-Ed25519 signing keys", () => {
    const doc = signEvidence(unsigned(), ephemeralSigner());
    expect(codeOf(() => checkEvidence([doc]))).toBe("EVIDENCE_MALFORMED");
    expect(codeOf(() => checkEvidence({ ...doc, schema: "other/v1" }))).toBe("EVIDENCE_MALFORMED");
    expect(codeOf(() => checkEvidence({ ...doc, signature: { ...doc.signature, value: "AAAA" } }))).toBe("EVIDENCE_MALFORMED");
    expect(codeOf(() => signerFromPem("not a key"))).toBe("KEY_UNUSABLE");
    expect(codeOf(() => checkEvidence({ ...doc, extra: 1 }))).toBe("SIGNATURE_INVALID");
  });
});
