/** Matching a method and path against the route table. */
import type { Route } from "./context.js";

/** The outcome of matching. */
export type RouteMatch =
  | { route: Route; params: Record<string, string> }
  | { route: null; allowed: string[] };

/** Finds the route for `method` and `pathname`; `allowed` lists the methods of the path otherwise. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  const parts = pathname.split("/");
  for (const route of routes) {
    const params = matchPath(route.path.split("/"), parts);
    if (params === null) continue;
    if (route.method === method || (method === "HEAD" && route.method === "GET")) return { route, params };
    allowed.push(route.method);
  }
  return { route: null, allowed };
}

function matchPath(pattern: readonly string[], parts: readonly string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? "";
    const v = parts[i] ?? "";
    if (p.startsWith(":")) {
      if (v === "") return null;
      params[p.slice(1)] = v;
    } else if (p !== v) return null;
  }
  return params;
}
