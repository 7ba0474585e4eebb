/**
 * `keygen` (REGISTRY.md §5.1): a fresh Ed25519 key pair whose secret is written encrypted
 * (scrypt + AES-256-GCM) to `$AGENTGOV_HOME/keys/<name>.key.json`, mode 0600 in a 0700
 * folder, atomically and never over an existing key.
 */
import { chmod, mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { RegistryError, canonicalJson, generateKeyPair, type KeyId } from "@agentgov/registry-protocol";
import { writeFileAtomic } from "../util/atomic-file.js";
import { agentgovHome } from "../util/home.js";
import { encryptSecretKey } from "./secret-key-file.js";
import { publicKeyFile } from "./public-key-file.js";
import { minisignPublicKey } from "./minisign.js";

/** Name of the default key (`keys/default.key.json`). */
export const DEFAULT_KEY_NAME = "default";
const KEY_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Options of {@link keygen}. */
export interface KeygenOptions {
  /** Passphrase sealing the secret (non-empty). */
  passphrase: string;
  /** Home folder; default {@link agentgovHome}. */
  home?: string;
  /** Key file name stem, `[a-z0-9][a-z0-9._-]*`; default `default`. */
  name?: string;
  /** Also export the public key to this folder: `<keyid hex>.pub.json`, or `<keyid hex>.minisign.pub` with `export: "minisign"`. */
  outDir?: string;
  /** Export format of the public key (§5.1): `json` (default) or `minisign` (also written as `keys/<name>.minisign.pub`). */
  export?: "json" | "minisign";
}

/** What {@link keygen} created. */
export interface KeygenResult {
  keyid: KeyId;
  /** Base64 of the raw public key. */
  publicKey: string;
  /** The encrypted secret key file. */
  path: string;
  /** The public key JSON beside it. */
  publicKeyPath: string;
  /** The exported file in `outDir`, when given. */
  exportPath?: string;
  /** With `export: "minisign"`: the minisign public key text and its file beside the secret. */
  minisign?: { text: string; path: string };
}

/** Paths of a named key in a home folder. */
export function keyPaths(home: string, name: string = DEFAULT_KEY_NAME): { secret: string; public: string; minisign: string } {
  if (!KEY_NAME.test(name)) throw new RegistryError("REGISTRY_REQUEST_INVALID", `key name must match ${KEY_NAME.source}`);
  const base = join(home, "keys", name);
  return { secret: `${base}.key.json`, public: `${base}.pub.json`, minisign: `${base}.minisign.pub` };
}

/** Generates a key pair and stores its encrypted secret; refuses to replace an existing key. */
export async function keygen(options: KeygenOptions): Promise<KeygenResult> {
  const home = options.home ?? agentgovHome();
  const paths = keyPaths(home, options.name);
  const folder = join(home, "keys");
  await mkdir(home, { recursive: true, mode: 0o700 });
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  if (await exists(paths.secret)) throw new RegistryError("REGISTRY_REQUEST_INVALID", `${paths.secret} already exists`);
  const { secretKey, publicKey } = generateKeyPair();
  try {
    const file = await encryptSecretKey(secretKey, options.passphrase);
    const pub = publicKeyFile(publicKey);
    await writeFileAtomic(paths.secret, `${canonicalJson(file)}\n`, { mode: 0o600 });
    await writeFileAtomic(paths.public, `${canonicalJson(pub)}\n`, { mode: 0o644 });
    const result: KeygenResult = { keyid: pub.keyid, publicKey: pub.publicKey, path: paths.secret, publicKeyPath: paths.public };
    const minisign = options.export === "minisign" ? minisignPublicKey(publicKey) : undefined;
    if (minisign !== undefined) {
      await writeFileAtomic(paths.minisign, minisign, { mode: 0o644 });
      result.minisign = { text: minisign, path: paths.minisign };
    }
    if (options.outDir !== undefined) {
      await mkdir(options.outDir, { recursive: true });
      const stem = join(options.outDir, pub.keyid.slice("ed25519:".length));
      result.exportPath = minisign === undefined ? `${stem}.pub.json` : `${stem}.minisign.pub`;
      await writeFileAtomic(result.exportPath, minisign ?? `${canonicalJson(pub)}\n`);
    }
    return result;
  } finally {
    secretKey.fill(0);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
