/**
 * Matching a method and path against the route table. The table is compiled once: paths
 * without parameters are found in a map, the others are matched segment by segment.
 */
import type { Route } from "./context.js";

/** The outcome of matching. */
export type RouteMatch =
  | { route: Route; params: Record<string, string> }
  | { route: null; allowed: string[] };

/** A compiled route table (see {@link compileRoutes}). */
export interface RouteTable {
  match(method: string, pathname: string): RouteMatch;
}

const NO_PARAMS: Record<string, string> = Object.freeze({});

/** Compiles `routes` (in order: the first route of a path and method wins, as in {@link matchRoute}). */
export function compileRoutes(routes: readonly Route[]): RouteTable {
  const compiled = routes.map((route) => ({ route, pattern: route.path.split("/"), static: !route.path.includes("/:") }));
  const byPath = new Map<string, Route[]>();
  for (const c of compiled) {
    if (!c.static) continue;
    const list = byPath.get(c.route.path) ?? [];
    list.push(c.route);
    byPath.set(c.route.path, list);
  }
  // A path some parameterised route could also match is left to the full scan.
  const dynamic = compiled.filter((c) => !c.static);
  const shadowed = (path: string): boolean => dynamic.some((c) => matchPath(c.pattern, path.split("/")) !== null);
  for (const path of [...byPath.keys()]) if (shadowed(path)) byPath.delete(path);
  return {
    match(method, pathname) {
      const candidates = byPath.get(pathname);
      if (candidates !== undefined) {
        for (const route of candidates) if (route.method === method || (method === "HEAD" && route.method === "GET")) return { route, params: NO_PARAMS };
        return { route: null, allowed: candidates.map((r) => r.method) };
      }
      return matchRoute(routes, method, pathname);
    },
  };
}

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
