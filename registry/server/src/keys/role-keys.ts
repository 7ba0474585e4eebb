/**
 * The registry's role keys on disk (REGISTRY.md §4.9, §6.4): `<dir>/keys/<role>.key` holds
 * `agentgov-ed25519-sk:<base64 seed>` for `root`, `log`, `index` and `admin`, and `npm.pem` an
 * ECDSA P-256 PKCS#8 key; files 0600 in a 0700 folder. No key serves two roles.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RegistryError, fromBase64, generateKeyPair, toBase64 } from "@agentgov/registry-protocol";
import type { RoleSigners } from "../context.js";
import { SeedSigner } from "./signer.js";

/** The Ed25519 roles. */
export const ED25519_ROLES = ["root", "log", "index", "admin"] as const;
/** One Ed25519 role. */
export type Ed25519Role = (typeof ED25519_ROLES)[number];

const PREFIX = "agentgov-ed25519-sk:";

/** Folder of the role keys of a registry directory. */
export function keysDir(dir: string): string {
  return join(dir, "keys");
}

/** Creates fresh role keys (refuses to overwrite an existing file). */
export async function createRoleKeys(dir: string): Promise<void> {
  const folder = keysDir(dir);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  for (const role of ED25519_ROLES) {
    const { secretKey } = generateKeyPair();
    await writeFile(join(folder, `${role}.key`), `${PREFIX}${toBase64(secretKey)}\n`, { mode: 0o600, flag: "wx" });
  }
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  await writeFile(join(folder, "npm.pem"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
}

async function loadSeed(path: string): Promise<Uint8Array> {
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) throw new RegistryError("REGISTRY_STORE_CORRUPT", `${path} must not be readable by group or others`);
  const text = (await readFile(path, "utf8")).trim();
  const seed = text.startsWith(PREFIX) ? fromBase64(text.slice(PREFIX.length)) : undefined;
  if (seed?.byteLength !== 32) throw new RegistryError("REGISTRY_STORE_CORRUPT", `${path} is not an agentgov Ed25519 key`);
  return seed;
}

/** Loads the Ed25519 role signers of a registry directory. */
export async function loadRoleSigners(dir: string): Promise<RoleSigners> {
  const folder = keysDir(dir);
  const [root, log, index, admin] = await Promise.all(ED25519_ROLES.map(async (role) => new SeedSigner(await loadSeed(join(folder, `${role}.key`)))));
  if (root === undefined || log === undefined || index === undefined || admin === undefined) throw new RegistryError("REGISTRY_STORE_CORRUPT", "missing role key");
  return { root, log, index, admin };
}
