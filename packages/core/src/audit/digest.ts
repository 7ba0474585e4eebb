/** SHA-256 digests used by the audit log: every record is hashed once on append and once on verification. */
import { sha256Hex } from "../internal/sha256.js";
import { canonicalArgs, canonicalArgsDigest } from "./canonical-args.js";

/** Hex SHA-256 of a string (hashed as UTF-8) or of bytes (shared with the policy digest). */
export { sha256Hex };

/** True for a 64-character lowercase hex string (a sha256 digest as this package writes it). */
export function isHex64(value: unknown): value is string {
  return typeof value === "string" && value.length === 64 && HEX64.test(value);
}
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * sha256 (hex) of the RFC 8785 canonical JSON of `args`: the `args_digest` of an audit
 * record, computed over the original (unredacted) arguments.
 * @throws AgentGovError `INVALID_REQUEST` when `args` is not JSON (undefined, bigint, a cycle, …).
 */
export function digestArgs(args: unknown): string {
  return canonicalArgsDigest(canonicalArgs(args));
}
