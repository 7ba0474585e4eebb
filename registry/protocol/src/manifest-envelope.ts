/**
 * Verification of a signed manifest (REGISTRY.md §4.5): the DSSE checks, then the manifest
 * schema, then that name and version are the ones requested.
 */
import { RegistryError } from "./errors.js";
import { verifyEnvelope, type VerifyEnvelopeResult } from "./dsse.js";
import type { Envelope } from "./envelope.js";
import { validateManifest, type Manifest } from "./manifest.js";
import type { ProtocolLimits } from "./limits.js";

/** Options of {@link verifyManifestEnvelope}. */
export interface VerifyManifestOptions {
  /** Public keys permitted by the trust policy (raw 32 bytes). */
  trustedKeys: readonly Uint8Array[];
  /** Distinct trusted signers required. */
  threshold: number;
  /** The requested package; a manifest for anything else is `REGISTRY_MANIFEST_INVALID`. */
  expect?: { name: string; version: string };
  limits?: ProtocolLimits;
}

/** Verifies a manifest envelope; the typed result carries the manifest and the signing key ids. */
export function verifyManifestEnvelope(
  input: Envelope | Uint8Array | string,
  options: VerifyManifestOptions,
): VerifyEnvelopeResult<Manifest> {
  return verifyEnvelope<Manifest>(input, {
    kind: "manifest",
    trustedKeys: options.trustedKeys,
    threshold: options.threshold,
    validate: (statement) => {
      const manifest = validateManifest(statement, options.limits);
      const expect = options.expect;
      if (expect !== undefined && (manifest.name !== expect.name || manifest.version !== expect.version)) {
        throw new RegistryError("REGISTRY_MANIFEST_INVALID",
          `envelope is for ${manifest.name}@${manifest.version}, not ${expect.name}@${expect.version}`);
      }
      return manifest;
    },
  });
}
