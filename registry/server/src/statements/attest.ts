/**
 * Attest (REGISTRY.md §5.2): a current key re-signs an old version — one more signature over
 * the byte-identical manifest payload, e.g. after a revocation made the original signer's
 * signature worthless. The new signers must be active keys of the owner meeting its
 * threshold; the stored envelope gains their signatures, the index lists them, and an
 * `attest` entry (keyids = the new signers) is logged. Blocked and unsigned versions cannot
 * be attested.
 */
import {
  RegistryError, canonicalJson, fromBase64, parseEnvelope, sha256, toHex, utf8, verifyManifestEnvelope,
  type Envelope, type KeyId,
} from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import { publisherKeys, refuseRevokedSigners } from "../keys/publisher-keys.js";
import { refreshIndex } from "../index-signing/package-index.js";
import { notFound } from "../http/http-error.js";
import { logStatement, peekPayload } from "./statement-common.js";

/** Applies an attestation; resolves with its log index. */
export async function attestVersion(
  ctx: RegistryContext, envelope: Envelope, requirePublishOf: (name: string, publisher: string) => void,
): Promise<number> {
  const claimed = peekPayload(envelope, ctx.limits.envelopeBytes) as { name?: unknown; version?: unknown };
  if (typeof claimed.name !== "string" || typeof claimed.version !== "string") {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", "manifest without name or version");
  }
  const name = claimed.name;
  const version = claimed.version;
  const payloadDigest = toHex(sha256(fromBase64(envelope.payload) ?? new Uint8Array()));
  return ctx.meta.transaction(async (tx) => {
    const pkg = await tx.getPackage(name);
    const row = await tx.getVersion(name, version);
    if (pkg === undefined || row === undefined) throw notFound(`no version ${name}@${version}`);
    requirePublishOf(name, pkg.publisher);
    if (row.status === "blocked" || row.status === "unsigned" || row.envelope === undefined || row.manifestSha256 === undefined) {
      throw new RegistryError("REGISTRY_REQUEST_INVALID", `${name}@${version} is ${row.status} and cannot be attested`);
    }
    if (row.manifestSha256 !== payloadDigest) {
      throw new RegistryError("REGISTRY_DIGEST_MISMATCH", "an attestation must sign the byte-identical manifest payload");
    }
    const keys = await publisherKeys(tx, pkg.publisher);
    refuseRevokedSigners(envelope, keys);
    const result = verifyManifestEnvelope(envelope, {
      trustedKeys: keys.active.map((k) => k.publicKey), threshold: keys.publisher.threshold, expect: { name, version }, limits: ctx.limits,
    });
    if (!result.ok) throw result.error;
    const stored = parseEnvelope(row.envelope);
    const known = new Set<KeyId>(stored.signatures.map((s) => s.keyid));
    const added = envelope.signatures.filter((s) => !known.has(s.keyid));
    if (added.length === 0) throw new RegistryError("REGISTRY_REQUEST_INVALID", "every signer already signed this version");
    const combined: Envelope = { ...stored, signatures: [...stored.signatures, ...added] };
    const combinedText = canonicalJson(combined);
    if (utf8(combinedText).byteLength > ctx.limits.envelopeBytes) throw new RegistryError("REGISTRY_REQUEST_INVALID", "envelope would exceed its size limit");
    const newKeyids = added.map((s) => s.keyid).sort();
    const index = await logStatement(tx, ctx, "attest", envelope, { publisher: pkg.publisher, keyids: newKeyids, name, version }, payloadDigest);
    await tx.setVersionSignatures(name, version, combinedText, [...new Set([...row.keyids, ...newKeyids])].sort());
    await refreshIndex(tx, ctx, name);
    return index;
  });
}
