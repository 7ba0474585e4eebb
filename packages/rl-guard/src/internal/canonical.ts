/** RFC 8785 canonical JSON (from core) and SHA-256 helpers. */
import { hash } from "node:crypto";
import { canonicalJson } from "@agentgov/core/audit";

/** RFC 8785 canonical JSON of a JSON value (core's implementation); throws TypeError on non-JSON input. */
export { canonicalJson };

/** Hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string | Uint8Array): string {
  return hash("sha256", text, "hex");
}

/** Hex SHA-256 of the canonical JSON of `value`. */
export function digestOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
