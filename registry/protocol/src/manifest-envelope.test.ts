import { describe, expect, it } from "vitest";
import { verifyManifestEnvelope } from "./manifest-envelope.js";
import { signStatement } from "./dsse.js";
import { generateKeyPair, signEd25519 } from "./ed25519.js";
import { pae } from "./pae.js";
import { payloadTypeOf } from "./payload-types.js";
import { validManifest } from "./testing/fixtures/manifest.js";
import { toBase64, utf8 } from "./encoding.js";
import { canonicalJson } from "./canonical-json.js";
import type { VerifyEnvelopeResult } from "./dsse.js";

const publisher = generateKeyPair();
const envelope = signStatement("manifest", validManifest(), [publisher.secretKey]);
const options = { trustedKeys: [publisher.publicKey], threshold: 1 };

function code<T>(result: VerifyEnvelopeResult<T>): string | undefined {
  return result.ok ? undefined : result.error.code;
}

describe("verifyManifestEnvelope", () => {
  it("returns the validated manifest and signers", () => {
    const result = verifyManifestEnvelope(envelope, { ...options, expect: { name: "@acme/web-search", version: "1.4.2" } });
    expect(result.ok && result.statement.name).toBe("@acme/web-search");
    expect(result.ok && result.keyids).toEqual([publisher.keyid]);
  });
  it("rejects a manifest for another name or version (§11.2)", () => {
    expect(code(verifyManifestEnvelope(envelope, { ...options, expect: { name: "@acme/web-search", version: "1.4.3" } }))).toBe("REGISTRY_MANIFEST_INVALID");
    expect(code(verifyManifestEnvelope(envelope, { ...options, expect: { name: "@acme/other", version: "1.4.2" } }))).toBe("REGISTRY_MANIFEST_INVALID");
  });
  it("rejects a signed manifest that fails the schema, e.g. with a float (§11.6)", () => {
    const bad = { ...validManifest(), artifact: { ...(validManifest().artifact as object), size: 1.5 } };
    expect(code(verifyManifestEnvelope(signStatement("manifest", bad, [publisher.secretKey]), options))).toBe("REGISTRY_MANIFEST_INVALID");
  });
  it("rejects a correctly signed manifest with a null field as non-canonical (§11.6)", () => {
    const payload = utf8(canonicalJson({ ...validManifest(), description: null }));
    const sig = toBase64(signEd25519(pae(payloadTypeOf("manifest"), payload), publisher.secretKey));
    const raw = { payloadType: payloadTypeOf("manifest"), payload: toBase64(payload), signatures: [{ keyid: publisher.keyid, sig }] };
    expect(code(verifyManifestEnvelope(raw, options))).toBe("REGISTRY_NONCANONICAL");
  });
  it("rejects another statement kind presented as a manifest (§11.5)", () => {
    const index = signStatement("index", { _type: "agentgov/index/v1", name: "@acme/web-search" }, [publisher.secretKey]);
    expect(code(verifyManifestEnvelope(index, options))).toBe("REGISTRY_PAYLOAD_TYPE");
  });
  it("rejects a payload swapped for another manifest", () => {
    const other = { ...validManifest(), version: "1.4.3", artifact: { ...(validManifest().artifact as object), filename: "web-search-1.4.3.tgz" } };
    const swapped = { ...envelope, payload: toBase64(utf8(canonicalJson(other))) };
    expect(code(verifyManifestEnvelope(swapped, options))).toBe("REGISTRY_SIGNATURE_INVALID");
  });
});
