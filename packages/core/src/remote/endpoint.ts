/**
 * The sidecar's address and credentials, checked once: an `http:` or `https:` base URL
 * (an optional path prefix, no user info, query or fragment) and a bearer token that can
 * only be sent as one header value.
 */
import { AgentGovError } from "../errors.js";

/** A checked sidecar endpoint. */
export interface Endpoint {
  /** The base URL as given, normalised (no trailing slash). */
  readonly base: string;
  readonly protocol: "http:" | "https:";
  readonly hostname: string;
  readonly port: number;
  /** The path prefix before `/v1/...` ("" for none). */
  readonly prefix: string;
  /** The `Authorization` header value, when a token is set. */
  readonly authorization: string | undefined;
}

/** Checks `endpoint` and `token`. Throws `INVALID_OPTIONS`. */
export function parseEndpoint(endpoint: unknown, token: unknown): Endpoint {
  if (typeof endpoint !== "string" || endpoint === "") throw new AgentGovError("INVALID_OPTIONS", "the remote kernel needs an endpoint such as http://127.0.0.1:8080");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new AgentGovError("INVALID_OPTIONS", `the remote kernel's endpoint is not a URL: ${JSON.stringify(endpoint.slice(0, 200))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new AgentGovError("INVALID_OPTIONS", `the remote kernel's endpoint must be http: or https:, got ${url.protocol}`);
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new AgentGovError("INVALID_OPTIONS", "the remote kernel's endpoint must not carry credentials, a query or a fragment (pass the token as `token`)");
  }
  if (token !== undefined && (typeof token !== "string" || !/^[\x21-\x7e]{1,512}$/.test(token))) {
    throw new AgentGovError("INVALID_OPTIONS", "the remote kernel's token must be 1 to 512 printable ASCII characters without spaces");
  }
  const prefix = url.pathname.replace(/\/+$/, "");
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  // URL keeps IPv6 literals in brackets; node:http wants them bare.
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { base: `${url.protocol}//${url.host}${prefix}`, protocol: url.protocol, hostname, port, prefix, authorization: token === undefined ? undefined : `Bearer ${token}` };
}
