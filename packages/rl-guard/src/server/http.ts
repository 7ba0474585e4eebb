/**
 * HTTP plumbing of the guard server (`node:http` only): bounded JSON bodies (size, depth),
 * `{code, message}` errors, constant-time token checks. Nothing here touches run state.
 */
import { hash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Default largest request body (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default deepest JSON nesting accepted. */
export const DEFAULT_MAX_DEPTH = 64;

/** An error answered as `{code, message}` with an HTTP status. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "HttpError";
  }
}

/** Writes a JSON response (no-op once headers are sent). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)), "cache-control": "no-store", ...headers });
  res.end(text);
}

/** Writes an error as `{code, message}`. */
export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { code: error.code, message: error.message }, error.status === 401 ? { "www-authenticate": "Bearer" } : {});
}

/** Reads the body as UTF-8 text, at most `max` bytes (a larger body is drained, then refused with 413). */
export async function readText(req: IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? "0");
  let size = 0;
  let tooLarge = Number.isFinite(declared) && declared > max;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) tooLarge = true;
    if (!tooLarge) chunks.push(b);
  }
  if (tooLarge) throw new HttpError(413, "too_large", `the body exceeds ${max} bytes`);
  const buf = Buffer.concat(chunks);
  const text = buf.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(buf)) throw new HttpError(400, "bad_json", "the body is not valid UTF-8");
  return text;
}

/** Nesting depth of a parsed JSON value (iterative). */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== "object" || v === null) continue;
    if (d > max) max = d;
    for (const child of Object.values(v)) if (typeof child === "object" && child !== null) stack.push([child, d + 1]);
  }
  return max;
}

/** Reads a JSON body: `application/json`, ≤ `maxBytes`, ≤ `maxDepth` deep. */
export async function readJson(req: IncomingMessage, limits: { maxBytes: number; maxDepth: number }): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    req.resume();
    throw new HttpError(415, "unsupported_media_type", "the body must be application/json");
  }
  const text = await readText(req, limits.maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "bad_json", "the body is not valid JSON");
  }
  if (jsonDepth(value) > limits.maxDepth) throw new HttpError(400, "too_deep", `the body nests deeper than ${limits.maxDepth}`);
  return value;
}

/** Constant-time equality of two secrets (compared as SHA-256 digests, so lengths do not leak). */
export function secretEquals(given: string, expected: string): boolean {
  return timingSafeEqual(hash("sha256", given, "buffer"), hash("sha256", expected, "buffer"));
}

/** Checks `Authorization: Bearer <token>`. @throws HttpError 401 */
export function requireBearer(req: IncomingMessage, token: string): void {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer ([^\s]+)$/.exec(header);
  if (m === null || !secretEquals(m[1] as string, token)) throw new HttpError(401, "unauthorized", "a valid bearer token is required");
}
