/**
 * A small JSON-over-HTTP client for the CLI's talks with `agentgov serve`: a timeout, a
 * cap on the answer's size, strict JSON parsing, and stable error codes for each way the
 * call can fail (`UNREACHABLE`, `TIMEOUT`, `BAD_RESPONSE`).
 */
import { parseJson, InputError } from "./read-input.js";

/** Default time a call to the server may take. */
export const DEFAULT_HTTP_TIMEOUT_MS = 5_000;
/** Largest answer read from the server, in bytes. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
/** The endpoint used when neither `--endpoint` nor `AGENTGOV_ENDPOINT` is given. */
export const DEFAULT_ENDPOINT = "http://127.0.0.1:8080";

/** Why a call produced no usable answer. */
export type HttpFailureCode = "UNREACHABLE" | "TIMEOUT" | "BAD_RESPONSE" | "BAD_ENDPOINT";

/** A call that produced no usable answer, with a stable code. */
export class HttpFailure extends Error {
  override name = "HttpFailure";
  /** Stable, machine-readable code. */
  readonly code: HttpFailureCode;

  constructor(code: HttpFailureCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** An answer: the status and the parsed JSON body (`null` for an empty body). */
export interface JsonAnswer {
  status: number;
  body: unknown;
}

/** Options of {@link requestJson}. */
export interface RequestJsonOptions {
  method?: "GET" | "POST";
  token?: string;
  body?: unknown;
  timeoutMs?: number;
}

/** The endpoint's base URL (http or https, no query or fragment); throws `BAD_ENDPOINT`. */
export function parseEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HttpFailure("BAD_ENDPOINT", `'${text}' is not a URL (expected e.g. ${DEFAULT_ENDPOINT})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new HttpFailure("BAD_ENDPOINT", `'${text}' must be an http:// or https:// URL`);
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new HttpFailure("BAD_ENDPOINT", `'${text}' must not carry credentials, a query or a fragment`);
  }
  return url;
}

/** `path` (starting with `/`) appended to the endpoint's own path. */
export function endpointUrl(endpoint: URL, path: string): URL {
  const base = endpoint.pathname.endsWith("/") ? endpoint.pathname.slice(0, -1) : endpoint.pathname;
  const url = new URL(endpoint.href);
  url.pathname = base + path;
  return url;
}

/** Calls `url` and parses the JSON answer, whatever its status. Throws {@link HttpFailure}. */
export async function requestJson(url: URL, options: RequestJsonOptions = {}): Promise<JsonAnswer> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? "GET",
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
  } catch (error) {
    throw failureOf(error, url, timeoutMs);
  }
  let text: string;
  try {
    text = await readCapped(response);
  } catch (error) {
    if (error instanceof HttpFailure) throw error;
    throw failureOf(error, url, timeoutMs);
  }
  if (text.trim() === "") return { status: response.status, body: null };
  try {
    return { status: response.status, body: parseJson(text, `the answer of ${url.origin}`) };
  } catch (error) {
    if (error instanceof InputError) throw new HttpFailure("BAD_RESPONSE", `${error.message} (HTTP ${response.status})`);
    throw error;
  }
}

async function readCapped(response: Response): Promise<string> {
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new HttpFailure("BAD_RESPONSE", `the answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function failureOf(error: unknown, url: URL, timeoutMs: number): HttpFailure {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") return new HttpFailure("TIMEOUT", `${url.origin} did not answer within ${timeoutMs} ms`, { cause: error });
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : error instanceof Error ? error.message : String(error);
  return new HttpFailure("UNREACHABLE", `cannot reach ${url.origin}: ${detail}`, { cause: error });
}
