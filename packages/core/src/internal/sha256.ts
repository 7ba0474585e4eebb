/**
 * SHA-256 as lowercase hex. `crypto.hash` (one-shot, Node ≥ 20.12) is about 40 % faster
 * than `createHash()` for record-sized inputs.
 */
import { hash } from "node:crypto";

/** Hex SHA-256 of a string (hashed as UTF-8) or of bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash("sha256", data, "hex");
}
