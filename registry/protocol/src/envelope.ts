/**
 * DSSE envelope shape and strict parsing (REGISTRY.md §4.5): at most 128 KiB, exactly the
 * fields `payloadType`, `payload`, `signatures` (each exactly `keyid`, `sig`), strict base64.
 * Malformed envelopes are `REGISTRY_SIGNATURE_INVALID` with the offending path.
 */
import { DEFAULT_LIMITS } from "./limits.js";
import { RegistryError } from "./errors.js";
import { fromBase64 } from "./encoding.js";
import { parseJsonBounded } from "./canonical-json.js";
import { isKeyId, type KeyId } from "./ed25519.js";

/** One DSSE signature: the key id and the base64 of the 64-byte Ed25519 signature. */
export interface EnvelopeSignature {
  keyid: KeyId;
  sig: string;
}

/** A DSSE envelope as JSON data. `payload` is the base64 of the canonical statement bytes. */
export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: EnvelopeSignature[];
}

/** Options of {@link parseEnvelope}. */
export interface ParseEnvelopeOptions {
  /** Largest envelope, bytes; default 128 KiB. */
  maxBytes?: number;
  /** Most signatures; default 32. */
  maxSignatures?: number;
}

function invalid(path: string, message: string): never {
  throw new RegistryError("REGISTRY_SIGNATURE_INVALID", message, { path });
}

function exactKeys(value: unknown, keys: readonly string[], path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid(path, "not an object");
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) invalid(path === "" ? key : `${path}.${key}`, "unknown field");
  }
  for (const key of keys) {
    if (!Object.hasOwn(record, key)) invalid(path === "" ? key : `${path}.${key}`, "missing field");
  }
  return record;
}

/** Parses envelope JSON text or bytes (size-checked before parsing) and validates its shape. */
export function parseEnvelope(input: Uint8Array | string, options: ParseEnvelopeOptions = {}): Envelope {
  const maxBytes = options.maxBytes ?? DEFAULT_LIMITS.envelopeBytes;
  let value: unknown;
  try {
    value = parseJsonBounded(input, { maxBytes, maxDepth: 4 });
  } catch (cause) {
    throw new RegistryError("REGISTRY_SIGNATURE_INVALID", "envelope is not bounded JSON", { path: "", cause });
  }
  return validateEnvelope(value, { ...options, maxBytes });
}

/**
 * Validates an already parsed envelope's shape (see {@link parseEnvelope}); the base64
 * payload alone must also stay within `maxBytes`.
 */
export function validateEnvelope(value: unknown, options: ParseEnvelopeOptions = {}): Envelope {
  const record = exactKeys(value, ["payloadType", "payload", "signatures"], "");
  const { payloadType, payload, signatures } = record;
  const maxBytes = options.maxBytes ?? DEFAULT_LIMITS.envelopeBytes;
  if (typeof payload === "string" && payload.length > maxBytes) invalid("payload", `envelope larger than ${maxBytes} bytes`);
  if (typeof payloadType !== "string" || payloadType.length === 0 || payloadType.length > 128) {
    invalid("payloadType", "not a string of 1 to 128 characters");
  }
  if (typeof payload !== "string" || fromBase64(payload) === undefined) invalid("payload", "not canonical base64");
  if (!Array.isArray(signatures) || signatures.length === 0) invalid("signatures", "not a non-empty array");
  const max = options.maxSignatures ?? DEFAULT_LIMITS.envelopeSignatures;
  if (signatures.length > max) invalid("signatures", `more than ${max} signatures`);
  const sigs = signatures.map((item: unknown, i): EnvelopeSignature => {
    const sig = exactKeys(item, ["keyid", "sig"], `signatures[${i}]`);
    if (!isKeyId(sig.keyid)) invalid(`signatures[${i}].keyid`, "not an ed25519 key id");
    if (typeof sig.sig !== "string" || sig.sig.length > 128) invalid(`signatures[${i}].sig`, "not a signature string");
    return { keyid: sig.keyid, sig: sig.sig };
  });
  return { payloadType, payload, signatures: sigs };
}
