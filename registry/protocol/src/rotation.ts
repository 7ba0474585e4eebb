/**
 * Verification of a `rotate` envelope (REGISTRY.md §5.2): signed by the threshold of the
 * publisher's current keys **and** by every key it adds (proof of possession). The added
 * keys are read from the payload first (strictly parsed) so that their signatures can be
 * checked; every signature is then verified over the PAE before anything is trusted.
 */
import { RegistryError } from "./errors.js";
import { fromBase64 } from "./encoding.js";
import { parseCanonicalJson } from "./canonical-json.js";
import { keyIdOf } from "./ed25519.js";
import { parseEnvelope, validateEnvelope, type Envelope } from "./envelope.js";
import { verifyEnvelope, type VerifyEnvelopeResult } from "./dsse.js";
import { validateRotate, type RotateStatement } from "./statements.js";
import { DEFAULT_LIMITS } from "./limits.js";

/** Options of {@link verifyRotateEnvelope}. */
export interface VerifyRotateOptions {
  /** The publisher's current keys (raw 32 bytes). */
  currentKeys: readonly Uint8Array[];
  /** The publisher's current threshold. */
  threshold: number;
}

/** Verifies a rotation; on success the statement's signers include every added key. */
export function verifyRotateEnvelope(input: Envelope | Uint8Array | string, options: VerifyRotateOptions): VerifyEnvelopeResult<RotateStatement> {
  if (!Number.isSafeInteger(options.threshold) || options.threshold < 1) {
    return { ok: false, error: new RegistryError("REGISTRY_REQUEST_INVALID", "threshold must be an integer >= 1") };
  }
  let added: Uint8Array[];
  try {
    const envelope = typeof input === "string" || input instanceof Uint8Array ? parseEnvelope(input) : validateEnvelope(input);
    const payload = fromBase64(envelope.payload) ?? new Uint8Array();
    added = validateRotate(parseCanonicalJson(payload, { maxBytes: DEFAULT_LIMITS.envelopeBytes })).add
      .map((ref) => fromBase64(ref.publicKey) ?? new Uint8Array());
  } catch {
    // Report the failure in the normative order through the full verification below.
    added = [];
  }
  const result = verifyEnvelope<RotateStatement>(input, {
    kind: "rotate", trustedKeys: [...options.currentKeys, ...added], threshold: 1, validate: validateRotate,
  });
  if (!result.ok) return result;
  const current = new Set(options.currentKeys.map(keyIdOf));
  const currentSigners = result.keyids.filter((k) => current.has(k)).length;
  if (currentSigners < options.threshold) {
    return { ok: false, error: new RegistryError("REGISTRY_THRESHOLD", `${currentSigners} current key(s) signed, ${options.threshold} required`) };
  }
  const missing = result.statement.add.find((ref) => !result.keyids.includes(ref.keyid));
  if (missing !== undefined) {
    return { ok: false, error: new RegistryError("REGISTRY_THRESHOLD", `added key ${missing.keyid} did not sign the rotation`) };
  }
  return result;
}
