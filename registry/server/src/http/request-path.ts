/**
 * Request targets (REGISTRY.md §6.5). Every path of the native API is made of characters
 * that never need encoding, so any `%` is refused (which rules out `%2e`, `%2f`, double
 * encoding and aliases of scoped names), as are `\`, NUL, empty, `.` and `..` segments.
 * Query strings are split strictly: known keys, each at most once, decoded exactly once.
 */
import { badRequest } from "./http-error.js";

const SEGMENT = /^[A-Za-z0-9._~@+-]+$/;

/** A parsed request target. */
export interface RequestPath {
  segments: string[];
  query: Map<string, string>;
}

/** Parses `req.url`; throws 400 for anything outside the rules above. */
export function parseRequestPath(url: string | undefined, maxLength = 2048): RequestPath {
  if (url === undefined || url.length > maxLength || !url.startsWith("/")) throw badRequest("invalid request target");
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? "" : url.slice(q + 1);
  const segments = path.slice(1).split("/");
  if (path === "/") return { segments: [], query: parseQuery(search) };
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || segment === "." || segment === "..") throw badRequest("invalid path segment");
  }
  return { segments, query: parseQuery(search) };
}

function parseQuery(search: string): Map<string, string> {
  const query = new Map<string, string>();
  if (search === "") return query;
  for (const part of search.split("&")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw badRequest("invalid query string");
    const key = part.slice(0, eq);
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " "));
    } catch {
      throw badRequest("invalid query encoding");
    }
    if (!/^[a-z]{1,16}$/.test(key) || query.has(key)) throw badRequest("invalid or repeated query key");
    query.set(key, value);
  }
  return query;
}

/** A non-negative safe integer query parameter. */
export function intParam(query: Map<string, string>, key: string): number {
  const text = query.get(key);
  if (text === undefined || !/^(?:0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw badRequest(`query parameter ${key} must be a non-negative integer`);
  }
  return Number(text);
}
