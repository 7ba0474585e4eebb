/**
 * The `npm` role (REGISTRY.md §4.9, §6.3): an ECDSA P-256 key whose signatures npm's
 * `audit signatures` path checks — `dist.signatures: [{keyid, sig}]` over
 * `${name}@${version}:${integrity}` with SHA-256, DER-encoded, base64.
 */
import { createPrivateKey, createPublicKey, sign, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { toBase64 } from "@agentgov/registry-protocol";
import { keysDir } from "./role-keys.js";
import { npmKeyId } from "./root.js";

/** Signs npm `dist.signatures`. */
export interface NpmSigner {
  /** `SHA256:<base64 of the SHA-256 of the SPKI DER>`. */
  readonly keyid: string;
  /** SPKI DER of the public key. */
  readonly spki: Uint8Array;
  /** Base64 DER ECDSA signature of `message` (SHA-256). */
  sign(message: string): string;
}

/** An {@link NpmSigner} over a private key object. */
export function npmSigner(privateKey: KeyObject): NpmSigner {
  const spki = new Uint8Array(createPublicKey(privateKey).export({ type: "spki", format: "der" }));
  return {
    keyid: npmKeyId(spki),
    spki,
    sign: (message) => toBase64(sign("sha256", Buffer.from(message, "utf8"), privateKey)),
  };
}

/** Loads `<dir>/keys/npm.pem`. */
export async function loadNpmSigner(dir: string): Promise<NpmSigner> {
  return npmSigner(createPrivateKey(await readFile(join(keysDir(dir), "npm.pem"), "utf8")));
}
