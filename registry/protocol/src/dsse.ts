/**
 * DSSE signing and verification (REGISTRY.md §4.5). Verification follows the normative order
 * and stops at the first failure: envelope size and shape → `payloadType` → each signature
 * (key id trusted, strict Ed25519 over the PAE) → distinct key ids ≥ threshold → payload
 * canonical → `_type` → schema.
 */
import { DEFAULT_LIMITS } from "./limits.js";
import { RegistryError, isRegistryError } from "./errors.js";
import { fromBase64, toBase64 } from "./encoding.js";
import { assertNoNull, canonicalBytes, parseCanonicalJson } from "./canonical-json.js";
import { keyIdOf, publicKeyOf, signEd25519, verifyEd25519, type KeyId } from "./ed25519.js";
import { parseEnvelope, validateEnvelope, type Envelope } from "./envelope.js";
import { pae } from "./pae.js";
import { payloadTypeOf, statementTypeOf, type StatementKind } from "./payload-types.js";

/**
 * Signs a statement of `kind` (its `_type` MUST match; no `null` anywhere) with every given
 * 32-byte secret-key seed.
 */
export function signStatement(kind: StatementKind, statement: object, secretKeys: readonly Uint8Array[]): Envelope {
  const type = (statement as { _type?: unknown })._type;
  if (type !== statementTypeOf(kind)) {
    throw new RegistryError("REGISTRY_PAYLOAD_TYPE", `a ${kind} statement must have _type ${statementTypeOf(kind)}`, { path: "_type" });
  }
  if (secretKeys.length === 0) throw new RegistryError("REGISTRY_REQUEST_INVALID", "no signing key given");
  const payload = canonicalBytes(statement);
  assertNoNull(statement);
  let envelope: Envelope = { payloadType: payloadTypeOf(kind), payload: toBase64(payload), signatures: [] };
  for (const secretKey of secretKeys) envelope = addSignature(envelope, secretKey);
  return envelope;
}

/**
 * Returns a copy of `envelope` with one more signature over the byte-identical payload
 * (co-signing, `attest`). A key id already present is `REGISTRY_REQUEST_INVALID`.
 */
export function addSignature(envelope: Envelope, secretKey: Uint8Array): Envelope {
  const payload = fromBase64(envelope.payload);
  if (payload === undefined) throw new RegistryError("REGISTRY_SIGNATURE_INVALID", "not canonical base64", { path: "payload" });
  const keyid = keyIdOf(publicKeyOf(secretKey));
  if (envelope.signatures.some((s) => s.keyid === keyid)) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `${keyid} already signed this envelope`);
  }
  const sig = toBase64(signEd25519(pae(envelope.payloadType, payload), secretKey));
  return { ...envelope, signatures: [...envelope.signatures, { keyid, sig }] };
}

/** Options of {@link verifyEnvelope}. */
export interface VerifyEnvelopeOptions<T> {
  /** The statement kind expected here; any other payload type is `REGISTRY_PAYLOAD_TYPE`. */
  kind: StatementKind;
  /** Public keys permitted to sign this statement (raw 32 bytes); key ids are derived from them. */
  trustedKeys: readonly Uint8Array[];
  /** Distinct trusted key ids whose signatures must verify (integer ≥ 1). */
  threshold: number;
  /** Schema check of the parsed statement; throw a {@link RegistryError} to reject. */
  validate?: (statement: unknown) => T;
  /** Largest envelope, bytes; default 128 KiB (§9). */
  maxBytes?: number;
}

/** The outcome of {@link verifyEnvelope}: the verified statement, or the first failure. */
export type VerifyEnvelopeResult<T> =
  | { ok: true; statement: T; payload: Uint8Array; keyids: KeyId[] }
  | { ok: false; error: RegistryError };

/**
 * Verifies an envelope (JSON text, bytes, or parsed data) against trusted keys. Never throws
 * for bad input; non-registry exceptions from `validate` propagate.
 */
export function verifyEnvelope<T = unknown>(
  input: Envelope | Uint8Array | string,
  options: VerifyEnvelopeOptions<T>,
): VerifyEnvelopeResult<T> {
  try {
    return { ok: true, ...verifyOrThrow(input, options) };
  } catch (error) {
    if (isRegistryError(error)) return { ok: false, error };
    throw error;
  }
}

function verifyOrThrow<T>(
  input: Envelope | Uint8Array | string,
  options: VerifyEnvelopeOptions<T>,
): { statement: T; payload: Uint8Array; keyids: KeyId[] } {
  const maxBytes = options.maxBytes ?? DEFAULT_LIMITS.envelopeBytes;
  if (!Number.isSafeInteger(options.threshold) || options.threshold < 1) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", "threshold must be an integer >= 1");
  }
  const envelope = typeof input === "string" || input instanceof Uint8Array
    ? parseEnvelope(input, { maxBytes })
    : validateEnvelope(input, { maxBytes });
  if (envelope.payloadType !== payloadTypeOf(options.kind)) {
    throw new RegistryError("REGISTRY_PAYLOAD_TYPE", `expected ${payloadTypeOf(options.kind)}`, { path: "payloadType" });
  }
  const payload = fromBase64(envelope.payload);
  if (payload === undefined) throw new RegistryError("REGISTRY_SIGNATURE_INVALID", "not canonical base64", { path: "payload" });
  const trusted = new Map(options.trustedKeys.map((pk) => [keyIdOf(pk), pk] as const));
  const signed = pae(envelope.payloadType, payload);
  const keyids = new Set<KeyId>();
  envelope.signatures.forEach(({ keyid, sig }, i) => {
    const publicKey = trusted.get(keyid);
    if (publicKey === undefined) {
      throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `${keyid} is not trusted here`, { path: `signatures[${i}].keyid` });
    }
    const signature = fromBase64(sig);
    if (signature === undefined || !verifyEd25519(signature, signed, publicKey)) {
      throw new RegistryError("REGISTRY_SIGNATURE_INVALID", `bad signature by ${keyid}`, { path: `signatures[${i}].sig` });
    }
    keyids.add(keyid);
  });
  if (keyids.size < options.threshold) {
    throw new RegistryError("REGISTRY_THRESHOLD", `${keyids.size} distinct signer(s), ${options.threshold} required`);
  }
  const statement = parseCanonicalJson(payload, { maxBytes });
  const type = typeof statement === "object" && statement !== null ? (statement as { _type?: unknown })._type : undefined;
  if (type !== statementTypeOf(options.kind)) {
    throw new RegistryError("REGISTRY_PAYLOAD_TYPE", `payload _type is not ${statementTypeOf(options.kind)}`, { path: "_type" });
  }
  const validated = options.validate === undefined ? (statement as T) : options.validate(statement);
  return { statement: validated, payload, keyids: [...keyids] };
}
