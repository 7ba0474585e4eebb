/**
 * The signed evidence of `agentgov verify`: the run's report with what was run against
 * (policy files and their sha256, the policy digest, the catalogue version), signed with
 * Ed25519 over `EVIDENCE_DOMAIN` followed by the canonical JSON (RFC 8785, core's
 * `canonicalJson`) of the whole document except `signature.value` — so the key, its id and
 * the `ephemeral` flag are signed too. The domain prefix keeps an evidence signature from
 * ever being mistaken for an audit checkpoint signature made with the same key.
 */
import { createPrivateKey, createPublicKey, hash, sign, verify, type KeyObject } from "node:crypto";
import { isAgentGovError } from "@agentgov/core";
import { canonicalJson, generateAuditKeyPair, importEd25519PublicKey } from "@agentgov/core/audit";
import type { CatalogueReport } from "./run-catalogue.js";

/** The evidence format. */
export const EVIDENCE_SCHEMA = "agentgov-verify-evidence/v1";
/** Signed before the canonical JSON (domain separation). */
export const EVIDENCE_DOMAIN = "agentgov-verify-evidence/v1\n";

/** The signature block. */
export interface EvidenceSignature {
  alg: "Ed25519";
  /** sha256 (hex) of the raw 32-byte public key (the audit log's key id). */
  key_id: string;
  /** SPKI PEM of the public key. */
  public_key: string;
  /** True when the key was generated for this run and thrown away: it proves integrity, not origin. */
  ephemeral: boolean;
  /** base64 Ed25519 signature. */
  value: string;
}

/** The evidence document. */
export interface Evidence {
  schema: typeof EVIDENCE_SCHEMA;
  created_at: string;
  generator: { name: string; version: string };
  owasp: string;
  catalogue: { version: string; attacks: number };
  policies: { files: { path: string; sha256: string }[]; digest: string };
  report: CatalogueReport;
  signature: EvidenceSignature;
}

/** A key to sign with. */
export interface EvidenceSigner {
  key: KeyObject;
  ephemeral: boolean;
}

/** Signing or checking failed: `KEY_UNUSABLE`, `EVIDENCE_MALFORMED`, `SIGNATURE_INVALID`, `KEY_MISMATCH`. */
export class EvidenceError extends Error {
  override name = "EvidenceError";
  /** Stable code. */
  readonly code: "KEY_UNUSABLE" | "EVIDENCE_MALFORMED" | "SIGNATURE_INVALID" | "KEY_MISMATCH";

  constructor(code: EvidenceError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/** A fresh key for one run (core's audit key generator), flagged ephemeral. */
export function ephemeralSigner(): EvidenceSigner {
  return { key: createPrivateKey(generateAuditKeyPair().privateKey), ephemeral: true };
}

/** A signer from a PKCS#8 PEM Ed25519 private key (e.g. the server's `audit-key.pem`). Throws `KEY_UNUSABLE`. */
export function signerFromPem(pem: string): EvidenceSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new EvidenceError("KEY_UNUSABLE", `not a readable private key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new EvidenceError("KEY_UNUSABLE", `the key must be Ed25519, got ${key.asymmetricKeyType ?? "unknown"}`);
  return { key, ephemeral: false };
}

/** A public key to check evidence against, from a PEM (public or private). Throws `KEY_UNUSABLE`. */
export function publicKeyFromPem(pem: string): KeyObject {
  let spki: string;
  try {
    spki = createPublicKey(pem).export({ type: "spki", format: "pem" }).toString();
  } catch (error) {
    throw new EvidenceError("KEY_UNUSABLE", `not a readable key: ${(error as Error).message}`);
  }
  return strictPublicKey(spki);
}

/** Signs the evidence. */
export function signEvidence(unsigned: Omit<Evidence, "signature">, signer: EvidenceSigner): Evidence {
  const publicKey = createPublicKey(signer.key);
  const block = { alg: "Ed25519" as const, key_id: keyIdOf(publicKey), public_key: publicKey.export({ type: "spki", format: "pem" }).toString(), ephemeral: signer.ephemeral };
  const value = sign(null, payloadOf({ ...unsigned, signature: block }), signer.key).toString("base64");
  return { ...unsigned, signature: { ...block, value } };
}

/** What a valid signature says about the signer. */
export interface EvidenceCheck {
  keyId: string;
  ephemeral: boolean;
  /** True when `trusted` was given and is the signing key. */
  trustedKey: boolean;
}

/**
 * Checks an evidence document: its shape, that the embedded key is a strict Ed25519 key
 * whose id matches, that the signature verifies, and (with `trusted`) that the signer is
 * that key. Throws {@link EvidenceError}.
 */
export function checkEvidence(value: unknown, trusted?: KeyObject): EvidenceCheck {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new EvidenceError("EVIDENCE_MALFORMED", "the evidence is not a JSON object");
  const doc = value as Record<string, unknown>;
  if (doc.schema !== EVIDENCE_SCHEMA) throw new EvidenceError("EVIDENCE_MALFORMED", `unknown schema ${JSON.stringify(doc.schema)} (expected ${EVIDENCE_SCHEMA})`);
  const sig = doc.signature as Partial<EvidenceSignature> | null | undefined;
  if (typeof sig !== "object" || sig === null || sig.alg !== "Ed25519" || typeof sig.key_id !== "string" || typeof sig.public_key !== "string" ||
    typeof sig.ephemeral !== "boolean" || typeof sig.value !== "string" || !/^[A-Za-z0-9+/]{86}==$/.test(sig.value)) {
    throw new EvidenceError("EVIDENCE_MALFORMED", "the signature block needs alg Ed25519, key_id, public_key, ephemeral and a 64-byte base64 value");
  }
  const key = strictPublicKey(sig.public_key);
  const keyId = keyIdOf(key);
  if (keyId !== sig.key_id) throw new EvidenceError("SIGNATURE_INVALID", "key_id does not match the embedded public key");
  const { value: signature, ...block } = sig as EvidenceSignature;
  let payload: Buffer;
  try {
    payload = payloadOf({ ...doc, signature: block });
  } catch (error) {
    throw new EvidenceError("EVIDENCE_MALFORMED", `the evidence has no canonical form: ${(error as Error).message}`);
  }
  if (!verify(null, payload, key, Buffer.from(signature, "base64"))) throw new EvidenceError("SIGNATURE_INVALID", "the signature does not verify: the evidence was changed after signing");
  if (trusted !== undefined && keyIdOf(trusted) !== keyId) {
    throw new EvidenceError("KEY_MISMATCH", `the evidence is signed by key ${keyId.slice(0, 16)}…, not by the given key ${keyIdOf(trusted).slice(0, 16)}…`);
  }
  return { keyId, ephemeral: sig.ephemeral, trustedKey: trusted !== undefined };
}

function payloadOf(document: unknown): Buffer {
  return Buffer.from(EVIDENCE_DOMAIN + canonicalJson(document), "utf8");
}

function strictPublicKey(pem: string): KeyObject {
  try {
    return importEd25519PublicKey(pem);
  } catch (error) {
    if (isAgentGovError(error)) throw new EvidenceError("KEY_UNUSABLE", error.message);
    throw error;
  }
}

/** sha256 (hex) of the raw 32-byte public key: the same key id as the audit log's. */
function keyIdOf(key: KeyObject): string {
  const jwk = key.export({ format: "jwk" });
  return hash("sha256", Buffer.from(jwk.x ?? "", "base64url"), "hex");
}
