/**
 * A small HTTP client for the registry's `/v1` API (REGISTRY.md §6.1, §9): `node:http` /
 * `node:https` with a keep-alive agent, a per-request timeout, a hard response-size cap
 * (the stream is destroyed at `maxBytes + 1`), and a progress callback for large transfers.
 * Error answers `{"error":{"code":"REGISTRY_…"}}` become a `RegistryError` with that code;
 * network failures are `REGISTRY_REQUEST_INVALID` naming the URL.
 */
import { createHash } from "node:crypto";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { RegistryError, parseJsonBounded, type RegistryErrorCode } from "@agentgov/registry-protocol";

/** Progress of one transfer. */
export interface TransferProgress {
  /** `GET /v1/blobs/…` or `POST /v1/packages/…`. */
  label: string;
  /** Bytes so far. */
  bytes: number;
  /** Expected total, when known. */
  total?: number;
}

/** Options of {@link RegistryHttp}. */
export interface RegistryHttpOptions {
  /** Bearer token for writes. */
  token?: string;
  /** Per-request inactivity timeout, ms; default 30 s. */
  timeoutMs?: number;
  /** Called while a body of ≥ 1 MiB is sent or received. */
  onProgress?: (progress: TransferProgress) => void;
}

/** One request. */
export interface HttpRequest {
  method: "GET" | "POST";
  /** Path and query, starting with `/`. */
  path: string;
  /** JSON body (sent as is when a string). */
  body?: unknown;
  /** Largest accepted response body, bytes. */
  maxBytes: number;
  /** Send the bearer token. */
  auth?: boolean;
}

/** A response with a successful (2xx) status. */
export interface HttpResponse {
  status: number;
  body: Buffer;
}

const PROGRESS_MIN_BYTES = 1024 * 1024;
const ERROR_BODY_BYTES = 64 * 1024;
const KNOWN_CODE = /^REGISTRY_[A-Z_]{2,40}$/;

function parseRegistryUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (cause) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `registry URL ${baseUrl} is not a URL`, { cause });
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", "the registry URL must be a plain http(s) URL");
  }
  return url;
}

/**
 * The canonical form of a registry URL (scheme, host, path without a trailing slash): the key of
 * `trust.json` `registries` and of the lockfile's `registry`. Anything but a plain http(s) URL is
 * `REGISTRY_REQUEST_INVALID`.
 */
export function registryBaseUrl(baseUrl: string): string {
  const url = parseRegistryUrl(baseUrl);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/** A keep-alive HTTP client bound to one registry base URL. */
export class RegistryHttp {
  /** The base URL without a trailing slash. */
  readonly baseUrl: string;
  readonly #url: URL;
  readonly #agent: HttpAgent;
  readonly #options: RegistryHttpOptions;

  constructor(baseUrl: string, options: RegistryHttpOptions = {}) {
    const url = parseRegistryUrl(baseUrl);
    this.#url = url;
    this.baseUrl = registryBaseUrl(baseUrl);
    this.#agent = url.protocol === "https:" ? new HttpsAgent({ keepAlive: true, maxSockets: 4 }) : new HttpAgent({ keepAlive: true, maxSockets: 4 });
    this.#options = options;
  }

  /** Sends a request; a non-2xx answer throws the server's `REGISTRY_…` code. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const chunks: Buffer[] = [];
    const status = await this.#send(req, (chunk) => { chunks.push(chunk); });
    return { status, body: Buffer.concat(chunks) };
  }

  /** GETs `path` and parses JSON (depth ≤ 32) under `maxBytes`. */
  async getJson(path: string, maxBytes: number): Promise<{ value: unknown; bytes: Buffer }> {
    const { body } = await this.request({ method: "GET", path, maxBytes });
    return { value: parseJsonBounded(body, { maxBytes }), bytes: body };
  }

  /** POSTs JSON and parses the JSON answer. */
  async postJson(path: string, body: unknown, maxBytes: number): Promise<unknown> {
    const res = await this.request({ method: "POST", path, body, maxBytes, auth: true });
    return parseJsonBounded(res.body, { maxBytes });
  }

  /**
   * Streams `path` into `sink` (e.g. a file), hashing SHA-512; aborts after `maxBytes` bytes
   * (an over-long body is cut at `maxBytes + 1`). Resolves with size and digest.
   */
  async download(path: string, maxBytes: number, sink: (chunk: Buffer) => void): Promise<{ size: number; sha512: Uint8Array }> {
    const hash = createHash("sha512");
    let size = 0;
    await this.#send({ method: "GET", path, maxBytes }, (chunk) => {
      size += chunk.byteLength;
      hash.update(chunk);
      sink(chunk);
    }, maxBytes);
    return { size, sha512: new Uint8Array(hash.digest()) };
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.#agent.destroy();
  }

  #send(req: HttpRequest, onChunk: (chunk: Buffer) => void, expected?: number): Promise<number> {
    const url = new URL(`${this.#url.pathname.replace(/\/+$/, "")}${req.path}`, this.#url);
    const payload = req.body === undefined ? undefined : Buffer.from(typeof req.body === "string" ? req.body : JSON.stringify(req.body), "utf8");
    const headers: Record<string, string> = { accept: "application/json, text/plain" };
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(payload.byteLength);
    }
    if (req.auth === true) {
      if (this.#options.token === undefined || this.#options.token === "") {
        return Promise.reject(new RegistryError("REGISTRY_AUTH", "this request needs a registry token (--token or AGENTGOV_REGISTRY_TOKEN)"));
      }
      headers.authorization = `Bearer ${this.#options.token}`;
    }
    const label = `${req.method} ${url.pathname}`;
    const progress = this.#options.onProgress;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        clientReq.destroy();
        reject(error instanceof RegistryError ? error
          : new RegistryError("REGISTRY_REQUEST_INVALID", `${label}: ${(error as Error).message}`, { cause: error }));
      };
      const clientReq = send(url, { method: req.method, headers, agent: this.#agent }, (res) => {
        this.#receive(res, req, label, expected, onChunk, progress).then((status) => {
          if (settled) return;
          settled = true;
          resolve(status);
        }, fail);
      });
      clientReq.setTimeout(this.#options.timeoutMs ?? 30_000, () => { fail(new Error(`timed out after ${this.#options.timeoutMs ?? 30_000} ms`)); });
      clientReq.on("error", fail);
      if (payload === undefined) {
        clientReq.end();
        return;
      }
      writeBody(clientReq, payload, label, progress);
    });
  }

  async #receive(
    res: IncomingMessage, req: HttpRequest, label: string, expected: number | undefined,
    onChunk: (chunk: Buffer) => void, progress: RegistryHttpOptions["onProgress"],
  ): Promise<number> {
    const status = res.statusCode ?? 0;
    const ok = status >= 200 && status < 300;
    const cap = ok ? req.maxBytes : ERROR_BODY_BYTES;
    const declared = Number(res.headers["content-length"] ?? NaN);
    if (ok && Number.isFinite(declared) && declared > cap) {
      res.destroy();
      throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `${label}: response of ${declared} bytes is over the ${cap}-byte limit`);
    }
    const total = expected ?? (Number.isFinite(declared) ? declared : undefined);
    const errorChunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      bytes += chunk.byteLength;
      if (bytes > cap) {
        res.destroy();
        throw new RegistryError(ok ? "REGISTRY_ARCHIVE_LIMIT" : "REGISTRY_REQUEST_INVALID", `${label}: response over the ${cap}-byte limit`);
      }
      if (ok) onChunk(chunk); else errorChunks.push(chunk);
      if (ok && progress !== undefined && (total ?? 0) >= PROGRESS_MIN_BYTES) progress({ label, bytes, ...(total === undefined ? {} : { total }) });
    }
    if (!ok) throw errorFromResponse(status, Buffer.concat(errorChunks), label);
    return status;
  }
}

function writeBody(clientReq: ReturnType<typeof httpRequest>, payload: Buffer, label: string, progress: RegistryHttpOptions["onProgress"]): void {
  if (progress === undefined || payload.byteLength < PROGRESS_MIN_BYTES) {
    clientReq.end(payload);
    return;
  }
  const step = 256 * 1024;
  let offset = 0;
  const pump = (): void => {
    while (offset < payload.byteLength) {
      const end = Math.min(offset + step, payload.byteLength);
      const more = clientReq.write(payload.subarray(offset, end));
      offset = end;
      progress({ label, bytes: offset, total: payload.byteLength });
      if (!more) {
        clientReq.once("drain", pump);
        return;
      }
    }
    clientReq.end();
  };
  pump();
}

/** The `RegistryError` of a non-2xx answer: the server's code when it is a `REGISTRY_…` code. */
export function errorFromResponse(status: number, body: Buffer, label: string): RegistryError {
  let code: RegistryErrorCode = status === 401 || status === 403 ? "REGISTRY_AUTH"
    : status === 404 || status === 410 ? "REGISTRY_VERSION_UNAVAILABLE"
      : status === 413 ? "REGISTRY_ARCHIVE_LIMIT" : "REGISTRY_REQUEST_INVALID";
  let message = `HTTP ${status}`;
  try {
    const parsed = parseJsonBounded(body, { maxBytes: ERROR_BODY_BYTES }) as { error?: { code?: unknown; message?: unknown } } | null;
    const err = parsed?.error;
    if (typeof err?.code === "string" && KNOWN_CODE.test(err.code)) code = err.code as RegistryErrorCode;
    if (typeof err?.message === "string") message = `${message}: ${err.message.slice(0, 512)}`;
  } catch {
    // Not a JSON error answer: keep the status-derived code.
  }
  return new RegistryError(code, `${label}: ${message}`);
}
