/**
 * The registry root (REGISTRY.md §4.9): `{_type, version, expires (≤ 1 y), origin, keys,
 * roles}` with roles `root`, `log`, `index`, `admin` (Ed25519) and `npm` (ECDSA P-256), each
 * `{keyids, threshold}`, signed by the `root` role (root N+1 by the thresholds of N and N+1).
 * Clients pin the SHA-256 of root 1 and walk `/v1/root/<n>.json`.
 */
import { canonicalJson, formatRfc3339Seconds, keyIdOf, sha256, toBase64, toHex, type Envelope } from "@agentgov/registry-protocol";
import type { RoleSigners } from "../context.js";
import type { Signer } from "./signer.js";
import { signEnvelope } from "./sign-envelope.js";

/** A root key. */
export interface RootKey {
  keytype: "ed25519" | "ecdsa-p256";
  /** Base64 of the raw Ed25519 key or of the P-256 SPKI DER. */
  publicKey: string;
}

/** The root statement. */
export interface RootStatement {
  _type: "agentgov/root/v1";
  version: number;
  expires: string;
  origin: string;
  keys: Record<string, RootKey>;
  roles: Record<"root" | "log" | "index" | "admin" | "npm", { keyids: string[]; threshold: number }>;
}

/** Key id of the npm role key: `SHA256:` + base64 SHA-256 of the SPKI DER (npm's form). */
export function npmKeyId(spki: Uint8Array): string {
  return `SHA256:${toBase64(sha256(spki))}`;
}

/** Builds root `version` for these role keys. */
export function buildRoot(version: number, origin: string, signers: RoleSigners, npmSpki: Uint8Array, expiresAt: number): RootStatement {
  const keys: Record<string, RootKey> = {};
  const role = (signer: Signer): { keyids: string[]; threshold: number } => {
    const keyid = keyIdOf(signer.publicKey);
    keys[keyid] = { keytype: "ed25519", publicKey: toBase64(signer.publicKey) };
    return { keyids: [keyid], threshold: 1 };
  };
  const roles = { root: role(signers.root), log: role(signers.log), index: role(signers.index), admin: role(signers.admin), npm: { keyids: [npmKeyId(npmSpki)], threshold: 1 } };
  keys[npmKeyId(npmSpki)] = { keytype: "ecdsa-p256", publicKey: toBase64(npmSpki) };
  return { _type: "agentgov/root/v1", version, expires: formatRfc3339Seconds(expiresAt), origin, keys, roles };
}

/** Signs a root with the current (and, on a key change, the previous) root signers; returns canonical JSON. */
export async function signRoot(root: RootStatement, rootSigners: readonly Signer[]): Promise<string> {
  const envelope: Envelope = await signEnvelope("root", root, rootSigners);
  return canonicalJson(envelope);
}

/** Lowercase hex SHA-256 of a root envelope's bytes (what clients pin). */
export function rootSha256(envelopeText: string): string {
  return toHex(sha256(Buffer.from(envelopeText, "utf8")));
}
