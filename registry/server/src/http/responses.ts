/** Response writers: JSON and text with hardening headers; errors in the §6.1 shape. */
import type { ServerResponse } from "node:http";
import { isRegistryError } from "@agentgov/registry-protocol";
import { statusOf } from "./http-error.js";

function common(res: ServerResponse, status: number, type: string, length: number, cache: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  res.setHeader("Content-Length", length);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Cache-Control", cache);
}

/** Sends bytes with a content type. */
export function sendBytes(res: ServerResponse, status: number, type: string, body: Uint8Array, cache = "no-store"): void {
  common(res, status, type, body.byteLength, cache);
  res.end(body);
}

/** Sends JSON text (already serialised, e.g. a stored canonical envelope). */
export function sendJsonText(res: ServerResponse, status: number, text: string, cache = "no-store"): void {
  sendBytes(res, status, "application/json", Buffer.from(text, "utf8"), cache);
}

/** Sends a value as JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendJsonText(res, status, JSON.stringify(value));
}

/** Sends an error as `{"error":{"code","message"}}`; unexpected errors become 500 without details. */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (isRegistryError(error)) {
    sendJson(res, statusOf(error), { error: { code: error.code, message: error.message } });
    return;
  }
  sendJson(res, 500, { error: { code: "REGISTRY_STORE_CORRUPT", message: "internal error" } });
}
