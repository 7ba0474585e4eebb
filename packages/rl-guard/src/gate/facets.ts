/**
 * Facets (RL-GUARD.md §5): structure computed from a call before evaluation, so rules match
 * kinds, normalised paths and URL parts rather than raw strings.
 */
import { posix } from "node:path";
import { isObject } from "../internal/canonical.js";

/** Facets of one call, as rules see them under `facets`. */
export interface Facets {
  kind: string;
  path?: string;
  basename?: string;
  path_escapes?: boolean;
  grader?: boolean;
  url?: { scheme: string; host: string; path: string; allowed: boolean };
  argv0?: string;
  argv?: string[];
}

/** What facet computation needs from the configuration. */
export interface FacetOptions {
  toolKinds: Readonly<Record<string, string>>;
  egressAllow: readonly string[];
  graderPaths: readonly string[];
}

const PATH_KEYS = ["path", "file", "filename", "file_path", "target"];
const MAX_ARGV = 64;

/** Computes the facets of a call with object arguments. Never throws. */
export function computeFacets(tool: string, args: Record<string, unknown>, o: FacetOptions): Facets {
  const facets: Facets = { kind: Object.hasOwn(o.toolKinds, tool) ? (o.toolKinds[tool] ?? "other") : "other" };
  let rawPath: string | undefined;
  for (const k of PATH_KEYS) {
    const v = args[k];
    if (typeof v === "string") {
      rawPath = v;
      break;
    }
  }
  if (rawPath !== undefined) {
    const absolute = rawPath.startsWith("/");
    const normal = posix.normalize(rawPath.replaceAll("\\", "/"));
    const escapes = absolute || normal === ".." || normal.startsWith("../");
    facets.path = absolute ? normal : normal.replace(/^\.\//, "");
    facets.basename = posix.basename(normal);
    facets.path_escapes = escapes;
    facets.grader = o.graderPaths.some((g) => facets.path?.startsWith(g) === true || `${facets.path ?? ""}/` === g);
  }
  const rawUrl = typeof args.url === "string" ? args.url : undefined;
  if (rawUrl !== undefined && URL.canParse(rawUrl)) {
    const url = new URL(rawUrl);
    const host = url.hostname.toLowerCase();
    facets.url = { scheme: url.protocol.replace(/:$/, ""), host, path: url.pathname, allowed: o.egressAllow.includes(host) };
  }
  const command = typeof args.command === "string" ? args.command : typeof args.cmd === "string" ? args.cmd : undefined;
  if (command !== undefined) {
    // Best effort only (a backstop): whitespace tokens, quotes stripped, no expansion.
    const argv = command.trim().split(/\s+/).slice(0, MAX_ARGV).map((t) => t.replace(/^['"]|['"]$/g, ""));
    facets.argv = argv;
    facets.argv0 = posix.basename(argv[0] ?? "");
  } else if (Array.isArray(args.argv) && args.argv.every((a) => typeof a === "string")) {
    facets.argv = args.argv.slice(0, MAX_ARGV);
    facets.argv0 = posix.basename(facets.argv[0] ?? "");
  }
  if (!isObject(facets.url) && facets.kind === "net") facets.url = { scheme: "", host: "", path: "", allowed: false };
  return facets;
}
