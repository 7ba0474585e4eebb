/**
 * Why a round trip to the sidecar failed, as one of the remote reason codes. Every
 * failure of the remote kernel ends in a deny carrying one of them (never an allow).
 */
import type { ReasonCode } from "../policy/types.js";

/** The reason codes of a failed round trip. */
export const REMOTE_FAILURE_CODES = ["remote_unavailable", "remote_timeout", "remote_invalid_answer", "remote_unauthorized", "remote_rejected"] as const;
/** A reason code of a failed round trip. */
export type RemoteFailureCode = (typeof REMOTE_FAILURE_CODES)[number] & ReasonCode;

/** A failed round trip: the code it denies with and a message for the denial's reason. */
export class RemoteFailure extends Error {
  constructor(
    readonly code: RemoteFailureCode,
    message: string,
    /** The sidecar's own error code (`{ code }` of its error body), when it answered one. */
    readonly serverCode?: string,
  ) {
    super(message);
    this.name = "RemoteFailure";
  }
}

/** The failure a non-2xx status means (401/403: token; other 4xx: the request; else: the sidecar). */
export function statusFailure(status: number, body: string): RemoteFailure {
  const { code, message } = errorBody(body);
  const detail = [code ?? "", message ?? ""].filter((s) => s !== "").join(" ").slice(0, 300);
  const suffix = detail === "" ? "" : `: ${detail}`;
  if (status === 401 || status === 403) return new RemoteFailure("remote_unauthorized", `the sidecar refused the token (HTTP ${status}${suffix})`, code);
  if (status >= 400 && status < 500) return new RemoteFailure("remote_rejected", `the sidecar refused the request (HTTP ${status}${suffix})`, code);
  return new RemoteFailure("remote_unavailable", `the sidecar answered HTTP ${status}${suffix}`, code);
}

/** The `{ code, message }` of the server's error body, when it is one. */
function errorBody(body: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== "object" || parsed === null) return {};
    const { code, message } = parsed as { code?: unknown; message?: unknown };
    const out: { code?: string; message?: string } = {};
    if (typeof code === "string") out.code = code.slice(0, 64);
    if (typeof message === "string") out.message = message;
    return out;
  } catch {
    return {};
  }
}

/** Any thrown value as a {@link RemoteFailure} (unknown errors: the sidecar is unavailable). */
export function asRemoteFailure(error: unknown): RemoteFailure {
  if (error instanceof RemoteFailure) return error;
  return new RemoteFailure("remote_unavailable", `the sidecar cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
}
