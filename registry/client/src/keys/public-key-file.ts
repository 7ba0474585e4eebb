/** The exported public key JSON `{keyid, publicKey}` (REGISTRY.md §5.1, §5.3), parsed strictly. */
import { RegistryError, assertStrongPublicKey, fromBase64, keyIdOf, toBase64, type KeyId } from "@agentgov/registry-protocol";

/** A public key file: the key id and base64 of the raw 32-byte key. */
export interface PublicKeyFile {
  keyid: KeyId;
  publicKey: string;
}

/** The public key file of a raw 32-byte key. */
export function publicKeyFile(publicKey: Uint8Array): PublicKeyFile {
  return { keyid: keyIdOf(publicKey), publicKey: toBase64(publicKey) };
}

/**
 * Parses `{keyid, publicKey}` and returns the raw key. Weak, small-order or non-canonical
 * keys are `REGISTRY_WEAK_KEY`; a key id that is not the key's is `REGISTRY_REQUEST_INVALID`.
 */
export function parsePublicKeyFile(value: unknown): { keyid: KeyId; publicKey: Uint8Array } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", "public key file must be an object");
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  if (keys.length !== 2 || keys[0] !== "keyid" || keys[1] !== "publicKey") {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", "public key file fields must be exactly keyid, publicKey");
  }
  const raw = typeof record.publicKey === "string" ? fromBase64(record.publicKey) : undefined;
  if (raw === undefined) throw new RegistryError("REGISTRY_REQUEST_INVALID", "publicKey must be canonical base64", { path: "publicKey" });
  assertStrongPublicKey(raw);
  const keyid = keyIdOf(raw);
  if (record.keyid !== keyid) throw new RegistryError("REGISTRY_REQUEST_INVALID", "keyid is not the key id of publicKey", { path: "keyid" });
  return { keyid, publicKey: raw };
}
