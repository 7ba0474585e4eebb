/**
 * `POST /v1/outcome`: the tool's result for the sidecar's audit record of an allowed call
 * (`{ call_id, status: "ok" | "error", duration_ms?, error? }` → the stored record).
 */
import type { AuditOutcome, AuditRecord } from "../audit/types.js";
import { isObject } from "../kernel/audit-entry.js";
import { RemoteFailure, statusFailure } from "./failure.js";
import type { HttpAnswer, HttpCall } from "./http-client.js";

/** The path of the outcome route. */
export const OUTCOME_PATH = "/v1/outcome";

/** The request body reporting `outcome` for the sidecar's call `serverId`, or undefined when the route cannot carry it. */
export function outcomeBody(serverId: string, outcome: AuditOutcome | undefined): string | undefined {
  if (outcome === undefined || (outcome.status !== "ok" && outcome.status !== "error")) return undefined;
  const body: Record<string, unknown> = { call_id: serverId, status: outcome.status };
  if (outcome.duration_ms !== undefined && Number.isFinite(outcome.duration_ms) && outcome.duration_ms >= 0) body.duration_ms = outcome.duration_ms;
  if (outcome.error !== undefined) body.error = outcome.error;
  return JSON.stringify(body);
}

/** The request of an outcome report. */
export function outcomeCall(body: string, timeoutMs: number, maxBytes: number): HttpCall {
  return { method: "POST", path: OUTCOME_PATH, body, timeoutMs, maxBytes };
}

/** The stored record the sidecar answered. Throws {@link RemoteFailure}. */
export function parseOutcomeAnswer(answer: HttpAnswer): AuditRecord {
  if (answer.status < 200 || answer.status > 299) throw statusFailure(answer.status, answer.text);
  let value: unknown;
  try {
    value = JSON.parse(answer.text);
  } catch {
    throw new RemoteFailure("remote_invalid_answer", "the sidecar's outcome answer is not JSON");
  }
  if (!isObject(value) || value.kind !== "outcome" || !Number.isSafeInteger(value.seq) || typeof value.hash !== "string") {
    throw new RemoteFailure("remote_invalid_answer", "the sidecar's outcome answer is not an audit record");
  }
  return value as unknown as AuditRecord;
}
