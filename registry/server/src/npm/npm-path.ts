/**
 * Request targets of the npm-compatible subset (REGISTRY.md §6.3, §6.5). The only
 * percent-encoding accepted is npm's own `%2f` between scope and name in the first segment
 * (`/@acme%2fweb-search`); anything else with `%`, and `\`, NUL, `.`/`..` or empty segments,
 * is 400. Tarball paths are the ones this registry writes into `dist.tarball`.
 */
import { packageNameProblem } from "@agentgov/registry-protocol";
import { badRequest } from "../http/http-error.js";

/** A parsed npm request target. */
export type NpmTarget =
  | { kind: "package"; name: string }
  | { kind: "tarball"; name: string; file: string }
  | { kind: "special"; path: string };

const SEGMENT = /^[A-Za-z0-9._~@+-]+$/;

function checkName(name: string): string {
  if (packageNameProblem(name) !== undefined) throw badRequest("invalid package name");
  return name;
}

/** Parses the target of a request outside `/v1`. */
export function parseNpmTarget(url: string | undefined): NpmTarget {
  if (url === undefined || url.length > 2048 || !url.startsWith("/")) throw badRequest("invalid request target");
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  if (path.startsWith("/-/") || path === "/npm") return { kind: "special", path };
  const segments = path.slice(1).split("/");
  const first = segments[0] ?? "";
  if (segments.length === 1 && first.startsWith("@") && first.split("%2f").length === 2) {
    const [scope = "", rest = ""] = first.split("%2f");
    if (!SEGMENT.test(scope) || !SEGMENT.test(rest)) throw badRequest("invalid scoped name");
    return { kind: "package", name: checkName(`${scope}/${rest}`) };
  }
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || segment === "." || segment === "..") throw badRequest("invalid path segment");
  }
  const scoped = first.startsWith("@");
  const nameParts = scoped ? 2 : 1;
  const name = checkName(segments.slice(0, nameParts).join("/"));
  const rest = segments.slice(nameParts);
  if (rest.length === 0 && !scoped) return { kind: "package", name };
  if (rest.length === 2 && rest[0] === "-" && (rest[1] ?? "").endsWith(".tgz")) return { kind: "tarball", name, file: rest[1] ?? "" };
  throw badRequest("unsupported npm path");
}
