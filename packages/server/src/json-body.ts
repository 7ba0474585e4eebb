/**
 * Reading JSON request bodies with limits: the content type must be JSON, the body at most
 * `maxBytes` (checked against Content-Length first, then while streaming), and the
 * nesting at most `maxDepth` (checked before `JSON.parse`, so nothing deep is built).
 */
import type { IncomingMessage } from "node:http";
import { ServerError } from "./errors.js";

/** Default body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default JSON nesting limit. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** Limits of {@link readJsonBody}. */
export interface JsonBodyLimits {
  maxBytes: number;
  maxDepth: number;
}

/** Reads and parses the JSON body of `req`. Throws {@link ServerError} (415, 413, 400). */
export async function readJsonBody(req: IncomingMessage, limits: JsonBodyLimits): Promise<unknown> {
  checkContentType(req.headers["content-type"]);
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limits.maxBytes) throw tooLarge(limits.maxBytes);
  const text = await readText(req, limits.maxBytes);
  return parseJson(text, limits.maxDepth);
}

function checkContentType(header: string | undefined): void {
  const [type = "", ...params] = (header ?? "").split(";").map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replaceAll('"', "");
  if (type !== "application/json" || (charset !== undefined && charset !== "utf-8" && charset !== "utf8")) {
    throw new ServerError("UNSUPPORTED_MEDIA_TYPE", 415, "the body must be JSON: send Content-Type: application/json (UTF-8)");
  }
}

function tooLarge(maxBytes: number): ServerError {
  return new ServerError("BODY_TOO_LARGE", 413, `the body is larger than ${maxBytes} bytes`);
}

function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        req.off("data", onData);
        chunks.length = 0;
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      if (done) return;
      done = true;
      const buf = Buffer.concat(chunks);
      try {
        resolve(new TextDecoder("utf-8", { fatal: true }).decode(buf));
      } catch {
        reject(new ServerError("BAD_JSON", 400, "the body is not valid UTF-8"));
      }
    });
    req.once("error", (error) => {
      if (done) return;
      done = true;
      reject(new ServerError("BAD_REQUEST", 400, `the body could not be read: ${error.message}`));
    });
  });
}

/** Parses `text` as JSON after checking that it nests at most `maxDepth` levels. */
export function parseJson(text: string, maxDepth: number): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw new ServerError("JSON_TOO_DEEP", 400, `the JSON body nests deeper than ${maxDepth} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ServerError("BAD_JSON", 400, `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
