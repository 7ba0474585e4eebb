/**
 * Checks of downloaded and unpacked bytes against a verified manifest (REGISTRY.md §7.2
 * step 5, §7.3 "signed artifacts"): the tarball's size and SHA-512, and each regular file's
 * size, SHA-256 and exec bit, with every signed file present exactly once. Digests are
 * compared in constant time.
 */
import { RegistryError } from "./errors.js";
import { bytesEqual, fromHex } from "./encoding.js";
import type { ManifestArtifact, ManifestFile } from "./manifest.js";

/**
 * Throws `REGISTRY_DIGEST_MISMATCH` unless the downloaded tarball has exactly the signed
 * size and SHA-512 (raw 64 bytes).
 */
export function checkArtifact(artifact: ManifestArtifact, actual: { size: number; sha512: Uint8Array }): void {
  if (actual.size !== artifact.size) {
    throw new RegistryError("REGISTRY_DIGEST_MISMATCH", `tarball is ${actual.size} bytes, signed size is ${artifact.size}`);
  }
  const expected = fromHex(artifact.sha512) ?? new Uint8Array();
  if (!bytesEqual(actual.sha512, expected)) throw new RegistryError("REGISTRY_DIGEST_MISMATCH", "tarball SHA-512 differs from the signed digest");
}

/**
 * The signed file list of one archive, ticked off as regular files are read. A file not in
 * the list, seen twice, or differing in size, SHA-256 or exec bit is `REGISTRY_TREE_MISMATCH`;
 * so is a signed file still missing at {@link ArtifactTree.finish}.
 */
export class ArtifactTree {
  readonly #expected = new Map<string, ManifestFile>();
  readonly #seen = new Set<string>();

  constructor(files: readonly ManifestFile[]) {
    for (const file of files) this.#expected.set(file.path, file);
  }

  /** The signed entry of `path` (to cap reads at its size before hashing), if any. */
  expected(path: string): ManifestFile | undefined {
    return this.#expected.get(path);
  }

  /** Records one regular file read from the archive (`sha256` raw 32 bytes). */
  check(path: string, actual: { size: number; sha256: Uint8Array; exec: boolean }): void {
    const file = this.#expected.get(path);
    if (file === undefined) mismatch(path, "file is not in the signed file list");
    if (this.#seen.has(path)) mismatch(path, "file appears twice");
    this.#seen.add(path);
    if (actual.size !== file.size) mismatch(path, `size ${actual.size}, signed ${file.size}`);
    if (!bytesEqual(actual.sha256, fromHex(file.sha256) ?? new Uint8Array())) mismatch(path, "SHA-256 differs from the signed digest");
    if (actual.exec !== file.exec) mismatch(path, `exec bit ${actual.exec}, signed ${file.exec}`);
  }

  /** Throws unless every signed file has been checked. */
  finish(): void {
    for (const path of this.#expected.keys()) {
      if (!this.#seen.has(path)) mismatch(path, "signed file is missing from the archive");
    }
  }
}

function mismatch(path: string, message: string): never {
  throw new RegistryError("REGISTRY_TREE_MISMATCH", message, { path });
}
