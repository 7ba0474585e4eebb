/**
 * `POST /v1/audit/events`: an audit entry recorded by the client itself (an adapter's own
 * decision, a marker, an outcome `/v1/outcome` cannot carry), appended to the sidecar's
 * chain. The sidecar validates the entry, fills `ts`, `seq` and the hash chain, and
 * answers the stored record.
 */
import type { AuditEntry, AuditRecord } from "../audit/types.js";
import { isObject } from "../kernel/audit-entry.js";
import { RemoteFailure, statusFailure } from "./failure.js";
import type { HttpAnswer, HttpCall } from "./http-client.js";

/** The path of the audit events route. */
export const AUDIT_EVENTS_PATH = "/v1/audit/events";

/** The recorded fields of a decision (an adapter may hand the sink a whole `Decision`). */
const DECISION_FIELDS = ["allowed", "action", "matched_rule", "policy", "code", "reason", "rate_limited", "severity", "shadow", "errors"] as const;

/** The request appending `entry` (its decision cut to the recorded fields). Throws {@link RemoteFailure} `remote_rejected` when the entry is not JSON. */
export function auditEventCall(entry: AuditEntry, timeoutMs: number, maxBytes: number): HttpCall {
  let body: string;
  try {
    const decision: Record<string, unknown> = {};
    for (const key of DECISION_FIELDS) if (entry.decision[key] !== undefined) decision[key] = entry.decision[key];
    body = JSON.stringify({ ...entry, decision });
  } catch (error) {
    throw new RemoteFailure("remote_rejected", `the audit entry cannot be sent as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { method: "POST", path: AUDIT_EVENTS_PATH, body, timeoutMs, maxBytes };
}

/** The stored record the sidecar answered. Throws {@link RemoteFailure}. */
export function parseAuditEventAnswer(answer: HttpAnswer): AuditRecord {
  if (answer.status < 200 || answer.status > 299) throw statusFailure(answer.status, answer.text);
  let value: unknown;
  try {
    value = JSON.parse(answer.text);
  } catch {
    throw new RemoteFailure("remote_invalid_answer", "the sidecar's audit event answer is not JSON");
  }
  if (!isObject(value) || (value.kind !== "decision" && value.kind !== "outcome") || !Number.isSafeInteger(value.seq) || typeof value.hash !== "string") {
    throw new RemoteFailure("remote_invalid_answer", "the sidecar's audit event answer is not an audit record");
  }
  return value as unknown as AuditRecord;
}
