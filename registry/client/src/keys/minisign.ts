/**
 * Minisign public-key export (REGISTRY.md §5.1 `keygen --export minisign`): the two-line
 * format minisign reads with `-P`/`-p`:
 *
 * ```text
 * untrusted comment: minisign public key <KEY ID, 16 upper-case hex>
 * <base64("Ed" ‖ key id[8] ‖ public key[32])>
 * ```
 *
 * Minisign's key id is 8 bytes, little-endian on the comment line. Ours is derived, not
 * random: the first 8 bytes of SHA-256(public key), i.e. of the agentgov key id, so one key
 * always exports the same file.
 */
import { RegistryError, assertStrongPublicKey, fromBase64, fromHex, keyIdOf, toBase64, toHex, type KeyId } from "@agentgov/registry-protocol";

const ALGORITHM = Buffer.from("Ed", "latin1");
const COMMENT = "untrusted comment: minisign public key ";

/** The 8-byte minisign key id of `publicKey`: the first 8 bytes of its SHA-256. */
export function minisignKeyId(publicKey: Uint8Array): Uint8Array {
  return fromHex(keyIdOf(publicKey).slice("ed25519:".length, "ed25519:".length + 16)) ?? new Uint8Array(8);
}

/** The minisign public key file text (ending in a newline) of a raw 32-byte Ed25519 key. */
export function minisignPublicKey(publicKey: Uint8Array): string {
  assertStrongPublicKey(publicKey);
  const id = minisignKeyId(publicKey);
  const shown = toHex(Uint8Array.from(id).reverse()).toUpperCase();
  return `${COMMENT}${shown}\n${toBase64(Buffer.concat([ALGORITHM, id, publicKey]))}\n`;
}

/**
 * Parses a minisign public key file (comment line optional) and returns the raw key, its
 * agentgov key id and the minisign key id. A malformed file is `REGISTRY_REQUEST_INVALID`; a
 * weak key is `REGISTRY_WEAK_KEY`.
 */
export function parseMinisignPublicKey(text: string): { publicKey: Uint8Array; keyid: KeyId; minisignKeyId: Uint8Array } {
  const lines = text.split(/\r?\n/).filter((l) => l !== "");
  const body = lines.length === 2 && lines[0]?.startsWith("untrusted comment: ") === true ? lines[1] : lines.length === 1 ? lines[0] : undefined;
  const raw = body === undefined ? undefined : fromBase64(body);
  if (raw?.length !== 42 || raw[0] !== 0x45 || raw[1] !== 0x64) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", "not a minisign Ed25519 public key");
  }
  const publicKey = raw.slice(10);
  assertStrongPublicKey(publicKey);
  return { publicKey, keyid: keyIdOf(publicKey), minisignKeyId: raw.slice(2, 10) };
}
