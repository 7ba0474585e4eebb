/**
 * The remote kernel's asynchronous HTTP client: JSON over one keep-alive agent, with a
 * whole-request timeout and a bound on the answer's size (checked against
 * Content-Length, then while reading). Every failure is a {@link RemoteFailure}.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Endpoint } from "./endpoint.js";
import { RemoteFailure } from "./failure.js";

/** A raw answer: status and body text. */
export interface HttpAnswer {
  status: number;
  text: string;
}

/** One request. */
export interface HttpCall {
  method: "GET" | "POST";
  /** Path after the endpoint's prefix, with its query (`/v1/decide`). */
  path: string;
  /** JSON text of the body. */
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  /** Aborts the request (a {@link RemoteFailure} `remote_unavailable` with the signal's reason). */
  signal?: AbortSignal;
}

/** A keep-alive JSON client for one endpoint. */
export interface HttpClient {
  request(call: HttpCall): Promise<HttpAnswer>;
  /** Closes the idle sockets. */
  close(): void;
}

/** Creates a client with its own keep-alive agent. */
export function createHttpClient(endpoint: Endpoint): HttpClient {
  const https = endpoint.protocol === "https:";
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = https ? httpsRequest : httpRequest;
  return {
    request(call) {
      return new Promise<HttpAnswer>((resolve, reject) => {
        let settled = false;
        const fail = (failure: RemoteFailure): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          call.signal?.removeEventListener("abort", onAbort);
          req.destroy();
          reject(failure);
        };
        const headers: Record<string, string> = { accept: "application/json" };
        if (endpoint.authorization !== undefined) headers.authorization = endpoint.authorization;
        if (call.body !== undefined) {
          headers["content-type"] = "application/json";
          headers["content-length"] = String(Buffer.byteLength(call.body));
        }
        const req = send({ agent, host: endpoint.hostname, port: endpoint.port, method: call.method, path: endpoint.prefix + call.path, headers }, (res) => {
          readBody(res, call.maxBytes).then(
            (text) => {
              if (settled) return;
              settled = true;
              clearTimeout(timer);
              call.signal?.removeEventListener("abort", onAbort);
              resolve({ status: res.statusCode ?? 0, text });
            },
            (error: unknown) => {
              fail(error instanceof RemoteFailure ? error : new RemoteFailure("remote_unavailable", `the sidecar's answer broke off: ${messageOf(error)}`));
            },
          );
        });
        const timer = setTimeout(() => {
          fail(new RemoteFailure("remote_timeout", `the sidecar did not answer within ${call.timeoutMs} ms`));
        }, call.timeoutMs);
        const onAbort = (): void => {
          fail(new RemoteFailure("remote_unavailable", `the request was aborted: ${messageOf(call.signal?.reason)}`));
        };
        if (call.signal?.aborted === true) {
          onAbort();
          return;
        }
        call.signal?.addEventListener("abort", onAbort, { once: true });
        req.on("error", (error) => {
          fail(new RemoteFailure("remote_unavailable", `the sidecar cannot be reached: ${messageOf(error)}`));
        });
        req.end(call.body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** Reads a body of at most `maxBytes` bytes as strict UTF-8. */
function readBody(res: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers["content-length"] ?? "0");
    if (declared > maxBytes) {
      res.destroy();
      reject(oversized(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(oversized(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    res.once("end", () => {
      try {
        resolve(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(new RemoteFailure("remote_invalid_answer", "the sidecar's answer is not valid UTF-8"));
      }
    });
    res.once("error", reject);
    res.once("aborted", () => {
      reject(new RemoteFailure("remote_unavailable", "the sidecar closed the connection mid-answer"));
    });
  });
}

/** The failure of an answer larger than the limit. */
export function oversized(maxBytes: number): RemoteFailure {
  return new RemoteFailure("remote_invalid_answer", `the sidecar's answer is larger than ${maxBytes} bytes`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
