/** SHA-256 and SHA-512 through `node:crypto` (the only use of it besides constant-time compare). */
import { createHash } from "node:crypto";

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const h = createHash("sha256");
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

/** SHA-512 of `bytes`. */
export function sha512(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash("sha512").update(bytes).digest());
}
