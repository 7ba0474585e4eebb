/**
 * Request bodies (REGISTRY.md §6.2, §6.5): `Content-Type: application/json` only, a per-route
 * byte cap enforced on `Content-Length` and while streaming (413), a linear pre-scan (nesting,
 * duplicate keys), then strict bounded parsing.
 */
import type { IncomingMessage } from "node:http";
import { parseJsonBounded } from "@agentgov/registry-protocol";
import { HttpError, badRequest } from "./http-error.js";
import { jsonPrescanProblem } from "./json-depth.js";

/** JSON nesting allowed in request bodies (§9). */
export const MAX_BODY_DEPTH = 32;

function tooLarge(max: number): HttpError {
  return new HttpError(413, "REGISTRY_REQUEST_INVALID", `request body larger than ${max} bytes`);
}

/** Reads the whole body, refusing more than `max` bytes. */
export function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && (!/^[0-9]{1,15}$/.test(declared) || Number(declared) > max)) {
    return Promise.reject(/^[0-9]{1,15}$/.test(declared) ? tooLarge(max) : badRequest("invalid Content-Length"));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      if (total > max) {
        done = true;
        req.pause();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    req.on("error", (error) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}

/** Reads and parses a JSON object body (content type, size, depth, strict UTF-8 and JSON). */
export async function readJsonObject(req: IncomingMessage, max: number): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") throw new HttpError(415, "REGISTRY_REQUEST_INVALID", "Content-Type must be application/json");
  const bytes = await readBody(req, max);
  const problem = jsonPrescanProblem(bytes, MAX_BODY_DEPTH);
  if (problem !== undefined) throw badRequest(problem);
  const value = parseJsonBounded(bytes, { maxBytes: max, maxDepth: MAX_BODY_DEPTH });
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("body must be a JSON object");
  return value as Record<string, unknown>;
}

/** Throws 400 unless `body` has exactly the `required` keys (plus any of `optional`). */
export function exactKeys(body: Record<string, unknown>, required: readonly string[], optional: readonly string[] = []): void {
  for (const key of Object.keys(body)) if (!required.includes(key) && !optional.includes(key)) throw badRequest(`unknown field ${key}`);
  for (const key of required) if (!Object.hasOwn(body, key)) throw badRequest(`missing field ${key}`);
}
