/**
 * `sign` (REGISTRY.md §7.1): the DSSE manifest envelope `<file>.agentsig.json` beside the
 * tarball. The manifest `<file>.manifest.json` written by `pack` is re-validated and the
 * tarball re-hashed first, so a signature never covers bytes that are not there.
 */
import {
  DEFAULT_LIMITS, RegistryError, canonicalJson, checkArtifact, parseJsonBounded, signStatement, validateManifest,
  type Envelope, type Manifest, type ProtocolLimits,
} from "@agentgov/registry-protocol";
import { writeFileAtomic } from "../util/atomic-file.js";
import { readFileBounded } from "../util/read-bounded.js";
import { envelopePathFor, manifestPathFor } from "../pack/file-names.js";
import { hashFile } from "../verify/tarball-digest.js";

/** Options of {@link sign}. */
export interface SignOptions {
  /** The unsigned manifest; default `<file>.manifest.json` beside the tarball. */
  manifestPath?: string;
  /** Where to write the envelope; default `<file>.agentsig.json` beside the tarball. */
  envelopePath?: string;
  limits?: ProtocolLimits;
}

/** What {@link sign} wrote. */
export interface SignResult {
  envelope: Envelope;
  envelopePath: string;
  manifest: Manifest;
}

/** Signs the tarball's manifest with `secretKeys` (one signature each) and writes the envelope. */
export async function sign(tarballPath: string, secretKeys: readonly Uint8Array[], options: SignOptions = {}): Promise<SignResult> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (secretKeys.length === 0) throw new RegistryError("REGISTRY_REQUEST_INVALID", "at least one secret key is required");
  const manifestPath = options.manifestPath ?? manifestPathFor(tarballPath);
  const bytes = await readFileBounded(manifestPath, limits.manifestBytes + 1, "REGISTRY_MANIFEST_INVALID");
  let json: unknown;
  try {
    json = parseJsonBounded(bytes, { maxBytes: limits.manifestBytes + 1 });
  } catch (error) {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", `${manifestPath} is not valid JSON`, { cause: error });
  }
  const manifest = validateManifest(json, limits);
  checkArtifact(manifest.artifact, await hashFile(tarballPath, limits.tarballBytes));
  const envelope = signStatement("manifest", manifest, secretKeys);
  const envelopePath = options.envelopePath ?? envelopePathFor(tarballPath);
  await writeFileAtomic(envelopePath, `${canonicalJson(envelope)}\n`);
  return { envelope, envelopePath, manifest };
}
