import { describe, expect, it } from "vitest";
import * as api from "./index.js";

describe("public API", () => {
  it.each([
    "canonicalJson", "canonicalBytes", "parseCanonicalJson", "validateManifest", "validateCapabilities", "grantFromManifest",
    "emptyGrant", "validateGrant", "pae", "parseEnvelope", "signStatement", "verifyEnvelope", "verifyManifestEnvelope",
    "verifyEd25519", "assertStrongPublicKey", "keyIdOf", "rangeProblem", "selectVersion", "verifyInclusion", "verifyConsistency",
    "merkleRoot", "inclusionProof", "consistencyProof", "signCheckpoint", "openCheckpoint", "checkArchivePath", "normalizeMode",
    "validatePackageIndex", "checkIndexUpdate", "verifyRotateEnvelope", "checkArtifact", "isRegistryError",
  ])("exports %s as a function", (name) => {
    expect(typeof (api as Record<string, unknown>)[name]).toBe("function");
  });
  it("exports the §9 limits, frozen", () => {
    expect(api.DEFAULT_LIMITS.envelopeBytes).toBe(128 * 1024);
    expect(Object.isFrozen(api.DEFAULT_LIMITS)).toBe(true);
  });
});
