/**
 * Typed registry errors with the stable `REGISTRY_…` codes of REGISTRY.md §10. This package
 * depends on no agentgov package, so {@link RegistryError} does not extend core's
 * `AgentGovError`; it carries the same `Symbol.for("agentgov.error")` brand, so core's
 * `isAgentGovError` recognises it too.
 */

const BRAND = Symbol.for("agentgov.error");
const REGISTRY_BRAND = Symbol.for("agentgov.registry.error");

/** Stable error codes (REGISTRY.md §10). */
export type RegistryErrorCode =
  | "REGISTRY_SIGNATURE_INVALID"
  | "REGISTRY_WEAK_KEY"
  | "REGISTRY_PAYLOAD_TYPE"
  | "REGISTRY_NONCANONICAL"
  | "REGISTRY_MANIFEST_INVALID"
  | "REGISTRY_YAML_INVALID"
  | "REGISTRY_SCRIPTS_FORBIDDEN"
  | "REGISTRY_UNTRUSTED_KEY"
  | "REGISTRY_KEY_CHANGED"
  | "REGISTRY_KEY_REVOKED"
  | "REGISTRY_THRESHOLD"
  | "REGISTRY_DIGEST_MISMATCH"
  | "REGISTRY_TREE_MISMATCH"
  | "REGISTRY_ARCHIVE_UNSAFE"
  | "REGISTRY_ARCHIVE_LIMIT"
  | "REGISTRY_LOG_PROOF_INVALID"
  | "REGISTRY_LOG_FORK"
  | "REGISTRY_ROLLBACK"
  | "REGISTRY_STALE"
  | "REGISTRY_VERSION_EXISTS"
  | "REGISTRY_VERSION_UNAVAILABLE"
  | "REGISTRY_UNSIGNED"
  | "REGISTRY_CONSENT_REQUIRED"
  | "REGISTRY_DEPENDENCY"
  | "REGISTRY_AUTH"
  | "REGISTRY_REQUEST_INVALID"
  | "REGISTRY_STORE_CORRUPT";

/** Options of a {@link RegistryError}. */
export interface RegistryErrorOptions {
  /** Path of the offending field, e.g. `files[3].path` (`""` is the whole value). */
  path?: string;
  cause?: unknown;
}

/** Every error this package throws. `code` is stable API; `path` names the offending field. */
export class RegistryError extends Error {
  /** Stable, machine-readable code. */
  readonly code: RegistryErrorCode;
  /** The offending field, when the error is about one. */
  readonly path: string | undefined;
  readonly [BRAND] = true;
  readonly [REGISTRY_BRAND] = true;

  constructor(code: RegistryErrorCode, message: string, options: RegistryErrorOptions = {}) {
    super(options.path === undefined ? message : `${options.path || "<root>"}: ${message}`,
      options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.name = "RegistryError";
  }
}

/** True for a {@link RegistryError}, even one thrown by another installed copy of this package. */
export function isRegistryError(value: unknown): value is RegistryError {
  return typeof value === "object" && value !== null &&
    (value as Record<symbol, unknown>)[REGISTRY_BRAND] === true;
}
