/**
 * `sign --threshold-cosign` (REGISTRY.md §4.5, §5.2): one more signature on an existing
 * manifest envelope, over the byte-identical payload, so a package can meet a publisher
 * threshold of N distinct keys. The payload must be a canonical, valid manifest whose
 * artifact is exactly the tarball beside it (re-hashed), so a co-signer never vouches for
 * bytes that are not there. Existing signatures are kept as they are; whether they (and the
 * new one) meet a threshold is decided at verify/install time by the trust policy.
 */
import {
  DEFAULT_LIMITS, RegistryError, addSignature, canonicalJson, checkArtifact, fromBase64, parseCanonicalJson, parseEnvelope,
  payloadTypeOf, validateManifest,
  type Envelope, type KeyId, type Manifest, type ProtocolLimits,
} from "@agentgov/registry-protocol";
import { writeFileAtomic } from "../util/atomic-file.js";
import { readFileBounded } from "../util/read-bounded.js";
import { envelopePathFor } from "../pack/file-names.js";
import { hashFile } from "../verify/tarball-digest.js";

/** Options of {@link cosign}. */
export interface CosignOptions {
  /** The envelope to extend (rewritten in place); default `<file>.agentsig.json` beside the tarball. */
  envelopePath?: string;
  limits?: ProtocolLimits;
}

/** What {@link cosign} wrote. */
export interface CosignResult {
  envelope: Envelope;
  envelopePath: string;
  manifest: Manifest;
  /** Every key id now on the envelope, in order. */
  keyids: KeyId[];
}

/**
 * Adds one signature per secret key to the tarball's envelope and rewrites it atomically.
 * A key that already signed is `REGISTRY_REQUEST_INVALID`; a payload that is not a manifest
 * envelope is `REGISTRY_PAYLOAD_TYPE`; a tarball other than the signed one is
 * `REGISTRY_DIGEST_MISMATCH`.
 */
export async function cosign(tarballPath: string, secretKeys: readonly Uint8Array[], options: CosignOptions = {}): Promise<CosignResult> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (secretKeys.length === 0) throw new RegistryError("REGISTRY_REQUEST_INVALID", "at least one secret key is required");
  const envelopePath = options.envelopePath ?? envelopePathFor(tarballPath);
  const bytes = await readFileBounded(envelopePath, limits.envelopeBytes, "REGISTRY_SIGNATURE_INVALID").catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `no envelope to co-sign at ${envelopePath} (sign it first)`, { cause: error });
  });
  let envelope = parseEnvelope(bytes, { maxBytes: limits.envelopeBytes });
  if (envelope.payloadType !== payloadTypeOf("manifest")) {
    throw new RegistryError("REGISTRY_PAYLOAD_TYPE", `${envelopePath} is not a manifest envelope`, { path: "payloadType" });
  }
  const payload = fromBase64(envelope.payload);
  if (payload === undefined) throw new RegistryError("REGISTRY_SIGNATURE_INVALID", "payload is not canonical base64", { path: "payload" });
  const manifest = validateManifest(parseCanonicalJson(payload, { maxBytes: limits.manifestBytes }), limits);
  checkArtifact(manifest.artifact, await hashFile(tarballPath, limits.tarballBytes));
  for (const key of secretKeys) envelope = addSignature(envelope, key);
  await writeFileAtomic(envelopePath, `${canonicalJson(envelope)}\n`);
  return { envelope, envelopePath, manifest, keyids: envelope.signatures.map((s) => s.keyid) };
}
