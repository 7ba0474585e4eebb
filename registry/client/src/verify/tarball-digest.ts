/** Streaming SHA-512 of a file in 1 MiB reads, with a size cap, so a tarball is never buffered whole. */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { RegistryError } from "@agentgov/registry-protocol";

/** Read size of {@link hashFile}: 1 MiB. */
export const DIGEST_CHUNK_BYTES = 1024 * 1024;

/**
 * SHA-512 (raw 64 bytes) and size of a regular file; a file larger than `maxBytes` is
 * `REGISTRY_ARCHIVE_LIMIT` (checked before and while reading).
 */
export async function hashFile(path: string, maxBytes: number): Promise<{ size: number; sha512: Uint8Array }> {
  const handle = await open(path, "r");
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new RegistryError("REGISTRY_REQUEST_INVALID", `${path} is not a regular file`);
    if (stat.size > maxBytes) throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `tarball is larger than ${maxBytes} bytes`);
    const hash = createHash("sha512");
    const buffer = Buffer.allocUnsafe(DIGEST_CHUNK_BYTES);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, DIGEST_CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > maxBytes) throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `tarball is larger than ${maxBytes} bytes`);
      hash.update(buffer.subarray(0, bytesRead));
    }
    return { size, sha512: new Uint8Array(hash.digest()) };
  } finally {
    await handle.close();
  }
}
