/** SHA-256 helpers over node:crypto. */
import { createHash } from "node:crypto";

/** Hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
