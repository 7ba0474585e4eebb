/**
 * The file list of an unsigned install (REGISTRY.md §6.3, §7.4): with no signed manifest, the
 * installer records what the safe extraction admitted (path, size, SHA-256, exec bit of every
 * file) in `.agentgov/unsigned-tree.json` and the SHA-256 of that file in the lockfile
 * (`treeSha256`). `loadInstalledPlugin` re-checks the record against the lockfile and
 * re-hashes the tree against the record. Nothing here is a publisher's statement: the only
 * external anchor is the registry's SHA-512 of the tarball.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  RegistryError, canonicalBytes, parseJsonBounded, type ManifestFile,
} from "@agentgov/registry-protocol";
import { readBounded, hexEqual } from "./store-ops.js";

/** `_type` of the record. */
export const UNSIGNED_TREE_TYPE = "agentgov/unsigned-tree/v1";
/** Where the record lives inside the installed folder. */
export const UNSIGNED_TREE_FILE = join(".agentgov", "unsigned-tree.json");
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** The record of an unsigned install. */
export interface UnsignedTree {
  _type: typeof UNSIGNED_TREE_TYPE;
  name: string;
  version: string;
  /** The registry's SHA-512 (hex) of the tarball the tree came from. */
  sha512: string;
  /** Every regular file, sorted by path. */
  files: readonly ManifestFile[];
}

/** Canonical bytes of a record and their SHA-256 (hex), the lockfile's `treeSha256`. */
export function encodeUnsignedTree(tree: UnsignedTree): { bytes: Uint8Array; sha256: string } {
  const bytes = canonicalBytes(tree);
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/**
 * Reads the record under `dir` and checks it against the lockfile: its SHA-256 equals
 * `treeSha256` (else `REGISTRY_DIGEST_MISMATCH`), and it names `name@version` with the locked
 * `sha512` (else `REGISTRY_STORE_CORRUPT`).
 */
export async function readUnsignedTree(dir: string, expect: { name: string; version: string; sha512: string; treeSha256: string }): Promise<UnsignedTree> {
  let bytes: Buffer;
  try {
    bytes = await readBounded(join(dir, UNSIGNED_TREE_FILE), MAX_RECORD_BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new RegistryError("REGISTRY_STORE_CORRUPT", `${dir} has no unsigned-tree record`, { cause: error });
  }
  if (bytes.length > MAX_RECORD_BYTES) throw new RegistryError("REGISTRY_STORE_CORRUPT", "unsigned-tree record too large");
  if (!hexEqual(createHash("sha256").update(bytes).digest("hex"), expect.treeSha256)) {
    throw new RegistryError("REGISTRY_DIGEST_MISMATCH", "installed unsigned-tree record differs from the lockfile");
  }
  const value = parseJsonBounded(bytes, { maxBytes: MAX_RECORD_BYTES }) as Partial<UnsignedTree> | null;
  if (value?._type !== UNSIGNED_TREE_TYPE || value.name !== expect.name || value.version !== expect.version ||
    typeof value.sha512 !== "string" || !hexEqual(value.sha512, expect.sha512) || !Array.isArray(value.files)) {
    throw new RegistryError("REGISTRY_STORE_CORRUPT", `unsigned-tree record does not describe ${expect.name}@${expect.version}`);
  }
  return value as UnsignedTree;
}
