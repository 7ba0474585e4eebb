/** Small HTTP helpers: JSON and text answers with safe headers, and the error body. */
import type { ServerResponse } from "node:http";
import type { ServerErrorCode } from "./errors.js";

const COMMON = { "cache-control": "no-store", "x-content-type-options": "nosniff" } as const;

/** Answers `value` as JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...COMMON, "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

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
