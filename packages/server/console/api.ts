/** The console's API client: JSON over fetch with the bearer token, errors as {@link ApiError}. */

/** Time for one API call before it is abandoned. */
const TIMEOUT_MS = 15_000;

/** An API answer that was not 2xx (or no answer at all: status 0). */
export class ApiError extends Error {
  readonly status: number;
  /** The server's stable error code (`NETWORK` when there was no answer). */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** A promise that never settles: what a closed client's calls return, so nothing runs after a disconnect. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Calls the governance server's API with one bearer token. */
export class ApiClient {
  readonly #token: string;
  readonly #closed = new AbortController();

  constructor(token: string) {
    this.#token = token;
  }

  /** Aborts the calls in flight; they and every later call never settle. */
  close(): void {
    this.#closed.abort();
  }

  /** GET `path`, parsed as JSON. */
  get<T>(path: string): Promise<T> {
    return this.#call<T>("GET", path, undefined);
  }

  /** POST `body` as JSON to `path`. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.#call<T>("POST", path, body);
  }

  #isClosed(): boolean {
    return this.#closed.signal.aborted;
  }

  async #call<T>(method: string, path: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: "application/json" };
    if (this.#isClosed()) return never();
    const init: RequestInit = { method, headers, cache: "no-store", credentials: "omit", signal: AbortSignal.any([this.#closed.signal, AbortSignal.timeout(TIMEOUT_MS)]) };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(path, init);
    } catch (error) {
      if (this.#isClosed()) return never();
      throw new ApiError(0, "NETWORK", `the server did not answer (${error instanceof Error ? error.message : String(error)})`);
    }
    let value: unknown;
    try {
      value = await res.json();
    } catch {
      if (this.#isClosed()) return never();
      throw new ApiError(res.status, "BAD_ANSWER", `the server answered ${res.status} without JSON`);
    }
    if (this.#isClosed()) return never();
    if (!res.ok) {
      const err = value as { code?: unknown; message?: unknown } | null;
      const code = typeof err?.code === "string" ? err.code : "HTTP_" + String(res.status);
      const message = typeof err?.message === "string" ? err.message : `HTTP ${res.status}`;
      throw new ApiError(res.status, code, message);
    }
    return value as T;
  }
}

/** A short, human sentence for an error. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return `This token may not do that (${error.message}).`;
    if (error.status === 404 && error.code === "NOT_FOUND") return `This server does not offer it (${error.message}).`;
    return `${error.message} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}
