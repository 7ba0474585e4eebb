/** Reading small files with a hard size cap, so a hostile path cannot make us buffer gigabytes. */
import { open } from "node:fs/promises";
import { RegistryError, type RegistryErrorCode } from "@agentgov/registry-protocol";

/**
 * Reads at most `maxBytes` of a regular file; a larger file (or a non-regular one) is a
 * `RegistryError` with `code`.
 */
export async function readFileBounded(path: string, maxBytes: number, code: RegistryErrorCode): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new RegistryError(code, `${path} is not a regular file`);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.byteLength - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw new RegistryError(code, `${path} is larger than ${maxBytes} bytes`);
    }
    return new Uint8Array(buffer.subarray(0, length));
  } finally {
    await handle.close();
  }
}
