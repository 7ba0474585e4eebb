/**
 * `verify` (REGISTRY.md §4.5, §7.2 offline steps): strict manifest-envelope verification
 * against the trust policy, then a streaming SHA-512 of the tarball (1 MiB reads) compared in
 * constant time with the signed digest and size. Never throws for bad input: the result
 * carries a `RegistryError` with its stable code.
 */
import {
  DEFAULT_LIMITS, RegistryError, assertStrongPublicKey, checkArtifact, fromBase64, isRegistryError, parseEnvelope,
  parseJsonBounded, verifyManifestEnvelope,
  type KeyId, type Manifest, type ProtocolLimits,
} from "@agentgov/registry-protocol";
import { readFileBounded } from "../util/read-bounded.js";
import { resolveTrust, type TrustDecision } from "../trust/resolve.js";
import type { TrustStore } from "../trust/trust-store.js";
import { hashFile } from "./tarball-digest.js";

/** Who may sign: explicit keys and threshold, or a trust store's policies. */
export type VerifyTrust =
  | { trustedKeys: readonly Uint8Array[]; threshold?: number }
  | { store: TrustStore };

/** Options of {@link verify}. */
export interface VerifyOptions {
  /** Require this package (a manifest for anything else is `REGISTRY_MANIFEST_INVALID`). */
  expect?: { name: string; version: string };
  limits?: ProtocolLimits;
}

/** A verified tarball. */
export interface VerifiedTarball {
  ok: true;
  manifest: Manifest;
  /** Canonical manifest bytes (the signed payload). */
  payload: Uint8Array;
  /** Distinct trusted signers. */
  keyids: KeyId[];
  size: number;
  /** Raw SHA-512 of the tarball. */
  sha512: Uint8Array;
  /** The trust-store decision, when verified against a store. */
  trust?: TrustDecision;
}

/** The outcome of {@link verify}. */
export type VerifyResult = VerifiedTarball | { ok: false; error: RegistryError };

/** Verifies `tarballPath` against the envelope at `envelopePath` (see module doc). */
export async function verify(tarballPath: string, envelopePath: string, trust: VerifyTrust, options: VerifyOptions = {}): Promise<VerifyResult> {
  try {
    return await verifyOrThrow(tarballPath, envelopePath, trust, options);
  } catch (error) {
    if (isRegistryError(error)) return { ok: false, error };
    if ((error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
      return { ok: false, error: new RegistryError("REGISTRY_REQUEST_INVALID", "file not found", { cause: error }) };
    }
    throw error;
  }
}

async function verifyOrThrow(tarballPath: string, envelopePath: string, trust: VerifyTrust, options: VerifyOptions): Promise<VerifiedTarball> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const bytes = await readFileBounded(envelopePath, limits.envelopeBytes, "REGISTRY_SIGNATURE_INVALID");
  let decision: TrustDecision | undefined;
  let trustedKeys: readonly Uint8Array[];
  let threshold: number;
  if ("store" in trust) {
    decision = decideTrust(trust.store, bytes, limits);
    trustedKeys = decision.trustedKeys;
    threshold = decision.threshold;
  } else {
    trustedKeys = trust.trustedKeys;
    threshold = trust.threshold ?? 1;
  }
  for (const key of trustedKeys) assertStrongPublicKey(key);
  const result = verifyManifestEnvelope(bytes, {
    trustedKeys, threshold, limits, ...(options.expect === undefined ? {} : { expect: options.expect }),
  });
  if (!result.ok) throw result.error;
  const actual = await hashFile(tarballPath, limits.tarballBytes);
  checkArtifact(result.statement.artifact, actual);
  const verified: VerifiedTarball = {
    ok: true, manifest: result.statement, payload: result.payload, keyids: result.keyids, size: actual.size, sha512: actual.sha512,
  };
  if (decision !== undefined) verified.trust = decision;
  return verified;
}

/**
 * Picks the trust-store policy for an envelope from its *unverified* payload's name and
 * publisher. Use it only to choose keys: the signature check that must follow covers them.
 */
export function decideTrust(store: TrustStore, bytes: Uint8Array, limits: ProtocolLimits): TrustDecision {
  const envelope = parseEnvelope(bytes, { maxBytes: limits.envelopeBytes });
  const payload = fromBase64(envelope.payload);
  if (payload === undefined) throw new RegistryError("REGISTRY_SIGNATURE_INVALID", "payload is not canonical base64", { path: "payload" });
  let statement: unknown;
  try {
    statement = parseJsonBounded(payload, { maxBytes: limits.manifestBytes });
  } catch (error) {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", "payload is not JSON", { cause: error });
  }
  const s = typeof statement === "object" && statement !== null ? statement as Record<string, unknown> : {};
  if (typeof s.name !== "string" || typeof s.publisher !== "string") {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", "payload lacks name or publisher");
  }
  return resolveTrust(store, s.name, s.publisher, envelope.signatures.map((sig) => sig.keyid));
}
