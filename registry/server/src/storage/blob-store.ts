/**
 * The blob store interface (REGISTRY.md §6.4): tarballs keyed by their SHA-512, create-only.
 * An existing blob is never replaced; implementations verify the digest of what they store.
 * The filesystem store is the default; an S3-compatible one writes with `If-None-Match: *`.
 */

/** Content-addressed, create-only byte storage. Keys are lowercase hex SHA-512 (128 chars). */
export interface BlobStore {
  /** True when the blob is stored. */
  has(sha512: string): Promise<boolean>;
  /**
   * Stores `bytes` under `sha512` unless a blob is already there (then nothing is written).
   * Resolves `true` when this call created it. A digest mismatch is `REGISTRY_DIGEST_MISMATCH`.
   */
  putIfAbsent(sha512: string, bytes: Uint8Array): Promise<boolean>;
  /** The blob's bytes, or `undefined` when absent. */
  get(sha512: string): Promise<Uint8Array | undefined>;
  /** Deletes the blob's bytes (block with purge); absent is not an error. */
  purge(sha512: string): Promise<void>;
}
