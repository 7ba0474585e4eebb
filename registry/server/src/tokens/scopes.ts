/**
 * Token scopes (REGISTRY.md §6.5): `admin` (admin API, block); `keys` (bind, rotate, revoke
 * for the token's publisher); `publish:<pattern>` (publish and yank names matching the
 * pattern: an exact name, or a prefix ending in `*` such as `@acme/*`).
 */
import { packageNameProblem } from "@agentgov/registry-protocol";

/** One scope string. */
export type Scope = "admin" | "keys" | `publish:${string}`;

const PREFIX = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9._~-]*\*$|^@[a-z0-9][a-z0-9._~-]*\/\*$|^\*$/;

/** True for a well-formed scope. */
export function isScope(value: unknown): value is Scope {
  if (value === "admin" || value === "keys") return true;
  if (typeof value !== "string" || !value.startsWith("publish:")) return false;
  const pattern = value.slice("publish:".length);
  return pattern.endsWith("*") ? PREFIX.test(pattern) && pattern.length <= 215 : packageNameProblem(pattern) === undefined;
}

/** True when `scopes` allow publishing (or yanking) `name`. */
export function coversName(scopes: readonly string[], name: string): boolean {
  return scopes.some((scope) => {
    if (!scope.startsWith("publish:")) return false;
    const pattern = scope.slice("publish:".length);
    return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
  });
}
