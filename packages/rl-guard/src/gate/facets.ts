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

const MAX_ARGV = 64;

/**
 * A path that `posix.normalize` returns unchanged: no backslash, no empty segment inside it,
 * no `.` or `..` segment (and not empty). Most paths a policy writes are like this.
 */
const UNUSUAL_PATH = /\\|\/\/|(?:^|\/)\.\.?(?:\/|$)/;

/** `posix.normalize` of the path with backslashes read as slashes (skipped when it would change nothing). */
export function normalizePath(raw: string): string {
  return raw !== "" && !UNUSUAL_PATH.test(raw) ? raw : posix.normalize(raw.replaceAll("\\", "/"));
}

/** `posix.basename` (without the slicing work for a path that does not end with a slash). */
export function baseName(path: string): string {
  return path.endsWith("/") ? posix.basename(path) : path.slice(path.lastIndexOf("/") + 1);
}

/** The first string of the path-like arguments, in the order `path`, `file`, `filename`, `file_path`, `target`. */
function pathArgument(args: Record<string, unknown>): string | undefined {
  // Named reads (one per key) rather than a loop over the key names: this runs on every gated call.
  let v = args.path;
  if (typeof v === "string") return v;
  v = args.file;
  if (typeof v === "string") return v;
  v = args.filename;
  if (typeof v === "string") return v;
  v = args.file_path;
  if (typeof v === "string") return v;
  v = args.target;
  return typeof v === "string" ? v : undefined;
}

/** Computes the facets of a call with object arguments. Never throws. */
export function computeFacets(tool: string, args: Record<string, unknown>, o: FacetOptions): Facets {
  const facets: Facets = { kind: Object.hasOwn(o.toolKinds, tool) ? (o.toolKinds[tool] ?? "other") : "other" };
  const rawPath = pathArgument(args);
  if (rawPath !== undefined) {
    const absolute = rawPath.startsWith("/");
    const normal = normalizePath(rawPath);
    const escapes = absolute || normal === ".." || normal.startsWith("../");
    const path = absolute || !normal.startsWith("./") ? normal : normal.slice(2);
    facets.path = path;
    facets.basename = baseName(normal);
    facets.path_escapes = escapes;
    let grader = false;
    for (const g of o.graderPaths) {
      if (path.startsWith(g) || `${path}/` === g) {
        grader = true;
        break;
      }
    }
    facets.grader = grader;
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
