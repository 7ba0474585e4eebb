/**
 * Reading JSON request bodies with limits: the content type must be JSON, the body at most
 * `maxBytes` (checked against Content-Length first, then while streaming), and the
 * nesting at most `maxDepth` (checked before `JSON.parse`, so nothing deep is built).
 */
import { isUtf8 } from "node:buffer";
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

/** Content types accepted without parsing their parameters (what clients send). */
const COMMON_TYPES = new Set(["application/json", "application/json; charset=utf-8", "application/json;charset=utf-8", "application/json; charset=UTF-8"]);

function checkContentType(header: string | undefined): void {
  if (header !== undefined && COMMON_TYPES.has(header)) return;
  const [type = "", ...params] = (header ?? "").split(";").map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replaceAll('"', "");
  if (type !== "application/json" || (charset !== undefined && charset !== "utf-8" && charset !== "utf8")) {
    throw new ServerError("UNSUPPORTED_MEDIA_TYPE", 415, "the body must be JSON: send Content-Type: application/json (UTF-8)");
  }
}

const EMPTY = Buffer.alloc(0);

function tooLarge(maxBytes: number): ServerError {
  return new ServerError("BODY_TOO_LARGE", 413, `the body is larger than ${maxBytes} bytes`);
}

function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Most bodies arrive in one chunk: keep it, and only collect a list past the first.
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        req.off("data", onData);
        first = undefined;
        more = undefined;
        reject(tooLarge(maxBytes));
        return;
      }
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      if (done) return;
      done = true;
      const buf = more !== undefined ? Buffer.concat(more) : (first ?? EMPTY);
      if (!isUtf8(buf)) {
        reject(new ServerError("BAD_JSON", 400, "the body is not valid UTF-8"));
        return;
      }
      // As TextDecoder does: a leading byte order mark is not part of the text.
      resolve(buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.toString("utf8", 3) : buf.toString("utf8"));
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
  if (openersAtMost(text, maxDepth)) return parse(text);
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
  return parse(text);
}

/**
 * True when `text` holds at most `max` opening brackets in all (strings included): then it
 * cannot nest deeper than `max`, and the character scan is skipped. `indexOf` runs natively,
 * so for the usual small request this costs a few calls.
 */
function openersAtMost(text: string, max: number): boolean {
  let n = 0;
  for (const opener of ["{", "["]) {
    for (let i = text.indexOf(opener); i !== -1; i = text.indexOf(opener, i + 1)) if (++n > max) return false;
  }
  return true;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ServerError("BAD_JSON", 400, `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
