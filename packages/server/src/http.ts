/** Small HTTP helpers: JSON and text answers with safe headers, and the error body. */
import type { ServerResponse } from "node:http";
import type { ServerErrorCode } from "./errors.js";

const COMMON = { "cache-control": "no-store", "x-content-type-options": "nosniff" } as const;

/** Answers `value` as JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers?: Record<string, string>): void {
  sendJsonText(res, status, JSON.stringify(value), headers);
}

/** Answers `body`, a JSON text, as JSON. */
export function sendJsonText(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  const length = String(Buffer.byteLength(body));
  // The common answer's headers as a flat list: no object spread per request.
  if (headers === undefined) res.writeHead(status, ["cache-control", "no-store", "x-content-type-options", "nosniff", "content-type", JSON_TYPE, "content-length", length]);
  else res.writeHead(status, { ...COMMON, "content-type": JSON_TYPE, "content-length": length, ...headers });
  res.end(body);
}

const JSON_TYPE = "application/json; charset=utf-8";

/** Answers plain text (Prometheus exposition). */
export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, { ...COMMON, "content-type": contentType, "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  code: ServerErrorCode;
  message: string;
}

/** Answers an error as `{ code, message }` (never a stack trace). */
export function sendError(res: ServerResponse, status: number, code: ServerErrorCode, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  sendJson(res, status, { ...extra, code, message }, headers);
}
