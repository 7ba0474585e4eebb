/**
 * Typed server errors: a stable SCREAMING_SNAKE `code` (public API) and the HTTP status it
 * is answered with. Handlers throw them; the server turns them into `{ code, message }`.
 */

/** Stable error codes of `@agentgov/server`. */
export type ServerErrorCode =
  | "BAD_JSON"
  | "BAD_REQUEST"
  | "BODY_TOO_LARGE"
  | "JSON_TOO_DEEP"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "BATCH_TOO_LARGE"
  | "UNKNOWN_CALL"
  | "CALL_ID_IN_USE"
  | "INVALID_CURSOR"
  | "AUDIT_UNAVAILABLE"
  | "STATE_WRITE_FAILED"
  | "STATE_CORRUPT"
  | "TOKENS_MISSING"
  | "TOKENS_INVALID"
  | "TOKENS_EXIST"
  | "POLICY_DIR"
  | "INVALID_OPTIONS"
  | "INTERNAL"
  // Approvals (docs/server.md): lower_snake, as the approvals HTTP contract names them.
  | "approval_not_found"
  | "approval_digest_mismatch"
  | "approval_capacity"
  | "approval_already_voted"
  | "approval_not_pending"
  | "approval_not_allowed"
  | "approval_not_approved"
  | "approval_consumed"
  | "approval_expired"
  | "approval_call_mismatch";

/** An error with a stable code and an HTTP status. */
export class ServerError extends Error {
  /** Stable, machine-readable code. */
  readonly code: ServerErrorCode;
  /** HTTP status the error is answered with. */
  readonly status: number;

  constructor(code: ServerErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ServerError";
    this.code = code;
    this.status = status;
  }
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
