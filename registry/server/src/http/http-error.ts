/**
 * HTTP status of every error (REGISTRY.md §6.1): the body is always
 * `{"error":{"code":"REGISTRY_…","message":"…"}}`.
 */
import { RegistryError, type RegistryErrorCode } from "@agentgov/registry-protocol";

/** A {@link RegistryError} that carries its own HTTP status (auth, limits, routing). */
export class HttpError extends RegistryError {
  constructor(readonly status: number, code: RegistryErrorCode, message: string) {
    super(code, message);
    this.name = "HttpError";
  }
}

const STATUS: Partial<Record<RegistryErrorCode, number>> = {
  REGISTRY_REQUEST_INVALID: 400,
  REGISTRY_AUTH: 401,
  REGISTRY_VERSION_UNAVAILABLE: 404,
  REGISTRY_VERSION_EXISTS: 409,
  REGISTRY_ARCHIVE_LIMIT: 413,
  REGISTRY_STORE_CORRUPT: 500,
};

/** The HTTP status of an error code: 422 (verification failed) unless listed above. */
export function statusOf(error: RegistryError): number {
  if (error instanceof HttpError) return error.status;
  return STATUS[error.code] ?? 422;
}

/** 400 `REGISTRY_REQUEST_INVALID`. */
export function badRequest(message: string): HttpError {
  return new HttpError(400, "REGISTRY_REQUEST_INVALID", message);
}

/** 404 `REGISTRY_VERSION_UNAVAILABLE`. */
export function notFound(message = "not found"): HttpError {
  return new HttpError(404, "REGISTRY_VERSION_UNAVAILABLE", message);
}
