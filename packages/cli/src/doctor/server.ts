/**
 * The server check: `GET /healthz` of `--endpoint` (or `AGENTGOV_ENDPOINT`) answers 200
 * with status `ok`. `degraded` (the last policy reload failed; the previous set is in use)
 * and `failing` (the audit log refuses records) are failures.
 */
import { endpointUrl, HttpFailure, parseEndpoint, requestJson } from "../http-client.js";
import type { CheckResult } from "./check.js";

/** Time the health check may take. */
export const HEALTH_TIMEOUT_MS = 3_000;

/** Checks that the server at `endpoint` is reachable and healthy; skipped without an endpoint. */
export async function checkServer(endpoint: string | undefined): Promise<CheckResult> {
  if (endpoint === undefined) return { check: "server", status: "skip", message: "no --endpoint given and AGENTGOV_ENDPOINT not set" };
  try {
    const url = endpointUrl(parseEndpoint(endpoint), "/healthz");
    const answer = await requestJson(url, { timeoutMs: HEALTH_TIMEOUT_MS });
    const body = answer.body as { status?: unknown; policies?: { count?: unknown; last_error?: unknown } } | null;
    const count = typeof body?.policies?.count === "number" ? String(body.policies.count) : "?";
    const status = typeof body?.status === "string" ? body.status : "unknown";
    if (answer.status === 200 && status === "ok") {
      return { check: "server", status: "pass", message: `${url.href}: ok, ${count} policies loaded` };
    }
    const lastError = body?.policies?.last_error;
    const why = status === "degraded" && lastError !== undefined && lastError !== null ? `: the last policy reload failed (${JSON.stringify(lastError)})` : "";
    return { check: "server", status: "fail", message: `${url.href}: HTTP ${answer.status}, status ${status}${why}` };
  } catch (error) {
    if (error instanceof HttpFailure) return { check: "server", status: "fail", message: `${error.code}: ${error.message}` };
    throw error;
  }
}
