/**
 * The kernel side of plugin capabilities (REGISTRY.md §4.4). A request made on behalf of
 * a plugin carries its grant in `context.plugin` (set by the host, never by the plugin)
 * and the concrete resources it touches; the grant is checked *before* policies, and
 * anything outside it is denied with code `capability_exceeded`. Inside the grant, the
 * policies decide as usual, so they can only narrow it.
 */
import { isAbsolute, posix } from "node:path";

/** What a plugin may touch; all five keys are required (an empty list means none). */
export interface PluginCapabilities {
  /** `host` or `host:port` (no port = 443); lowercase; a leftmost `*.` wildcard matches subdomains, not the apex. */
  network: { hosts: string[] };
  /** Paths starting with `$WORKSPACE`, `$PLUGIN_DIR` (read only), `$PLUGIN_DATA` or `$TMP`; a `/**` suffix allowed. */
  fs: { read: string[]; write: string[] };
  /** Command basenames, matched against argv[0]. */
  exec: string[];
  /** Environment variable names, matched exactly. */
  env: string[];
  /** Tools the plugin may register, pinned to the sha256 of JCS {name, description, inputSchema}. */
  tools: { name: string; definitionSha256: string }[];
}

/** The grant a host hands the kernel for an installed plugin (`agentgov/plugin-grant/v1`). */
export interface PluginGrant {
  _type: "agentgov/plugin-grant/v1";
  plugin: string;
  version: string;
  /** sha256 of the canonical manifest; absent only in the empty grant of an unsigned plugin. */
  manifestSha256?: string;
  keyids: string[];
  capabilities: PluginCapabilities;
  /** sha256 of JCS(capabilities): the value the operator consented to. */
  capabilitiesSha256: string;
}

/** A concrete resource a plugin's request touches (`context.resource` or `context.resources`). */
export type PluginResource =
  | { kind: "network"; host: string; port?: number }
  | { kind: "fs"; access: "read" | "write"; path: string }
  | { kind: "exec"; command: string }
  | { kind: "env"; name: string };

/** Host-resolved real paths of the grant's path variables; a pattern whose root is unknown matches nothing. */
export interface PluginRoots {
  WORKSPACE?: string;
  PLUGIN_DIR?: string;
  PLUGIN_DATA?: string;
  TMP?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const MAX_ENTRIES = 1000;

/**
 * Checks a request's plugin context against its grant. Returns null when the request is
 * inside the grant, else why not (the kernel denies with `capability_exceeded`).
 */
export function checkPluginGrant(context: Record<string, unknown>, roots: PluginRoots): string | null {
  const grant = context.plugin;
  const malformed = grantProblem(grant);
  if (malformed !== null) return `malformed plugin grant: ${malformed}`;
  const { capabilities, plugin } = grant as PluginGrant;
  const tool = context.tool;
  if (tool !== undefined) {
    const problem = toolProblem(tool, capabilities);
    if (problem !== null) return `plugin '${plugin}': ${problem}`;
  }
  for (const resource of resourcesOf(context)) {
    const problem = resourceProblem(resource, capabilities, roots);
    if (problem !== null) return `plugin '${plugin}': ${problem}`;
  }
  return null;
}

function resourcesOf(context: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  if (Object.hasOwn(context, "resource")) out.push(context.resource);
  if (Object.hasOwn(context, "resources")) {
    const list = context.resources;
    if (Array.isArray(list)) out.push(...(list as unknown[]));
    else out.push(list);
  }
  return out;
}

function toolProblem(tool: unknown, capabilities: PluginCapabilities): string | null {
  if (!isRecord(tool) || typeof tool.name !== "string") return "the request's tool has no name";
  const declared = capabilities.tools.find((t) => t.name === tool.name);
  if (declared === undefined) return `tool '${tool.name}' is not declared`;
  if (tool.definitionSha256 !== declared.definitionSha256) {
    return tool.definitionSha256 === undefined
      ? `tool '${tool.name}' carries no definition digest (tool.definitionSha256)`
      : `tool '${tool.name}' definition drifted from the signed one`;
  }
  return null;
}

function resourceProblem(resource: unknown, capabilities: PluginCapabilities, roots: PluginRoots): string | null {
  if (!isRecord(resource)) return "a resource must be an object with a kind";
  switch (resource.kind) {
    case "network": {
      const { host, port } = resource;
      if (typeof host !== "string" || host === "") return "network resource without a host";
      if (port !== undefined && !(typeof port === "number" && Number.isInteger(port) && port > 0 && port < 65536)) return `invalid port ${JSON.stringify(port)}`;
      const wanted = host.toLowerCase();
      const wantedPort = typeof port === "number" ? port : 443;
      return capabilities.network.hosts.some((p) => hostMatches(p, wanted, wantedPort)) ? null : `host ${wanted}:${wantedPort} is not declared`;
    }
    case "fs": {
      const { access, path } = resource;
      if (access !== "read" && access !== "write") return "fs resource access must be read or write";
      if (typeof path !== "string" || !isAbsolute(path) || posix.normalize(path) !== path || path.includes("\0")) {
        return `fs path ${JSON.stringify(path)} must be an absolute, normalised real path`;
      }
      const patterns = access === "read" ? capabilities.fs.read : capabilities.fs.write;
      return patterns.some((p) => pathMatches(p, path, roots)) ? null : `${access} of ${path} is not declared`;
    }
    case "exec": {
      const { command } = resource;
      if (typeof command !== "string" || command.includes("/")) return `exec command ${JSON.stringify(command)} must be a basename (argv[0])`;
      return capabilities.exec.includes(command) ? null : `command '${command}' is not declared`;
    }
    case "env": {
      const { name } = resource;
      if (typeof name !== "string") return "env resource without a name";
      return capabilities.env.includes(name) ? null : `environment variable '${name}' is not declared`;
    }
    default:
      return `unknown resource kind ${JSON.stringify(resource.kind)}`;
  }
}

function hostMatches(pattern: string, host: string, port: number): boolean {
  const colon = pattern.lastIndexOf(":");
  const name = colon === -1 ? pattern : pattern.slice(0, colon);
  const patternPort = colon === -1 ? 443 : Number(pattern.slice(colon + 1));
  if (patternPort !== port) return false;
  if (name.startsWith("*.")) return host.endsWith(name.slice(1)) && host.length > name.length - 1;
  return host === name;
}

function pathMatches(pattern: string, path: string, roots: PluginRoots): boolean {
  const m = /^\$(WORKSPACE|PLUGIN_DIR|PLUGIN_DATA|TMP)(\/.*)?$/.exec(pattern);
  if (m === null) return false;
  const root = roots[m[1] as keyof PluginRoots];
  if (root === undefined || !isAbsolute(root)) return false;
  let rest = m[2] ?? "";
  const subtree = rest === "/**" || rest.endsWith("/**");
  if (subtree) rest = rest.slice(0, -3);
  const base = posix.normalize(root + rest).replace(/\/+$/, "") || "/";
  if (!subtree) return path === base;
  return path === base || path.startsWith(base === "/" ? "/" : base + "/");
}

/** Why `grant` is not a well-formed grant, or null. */
function grantProblem(grant: unknown): string | null {
  if (!isRecord(grant)) return "context.plugin must be a grant object";
  if (grant._type !== "agentgov/plugin-grant/v1") return "unknown _type";
  if (typeof grant.plugin !== "string" || grant.plugin === "") return "no plugin name";
  if (typeof grant.version !== "string") return "no version";
  if ((grant.manifestSha256 !== undefined && typeof grant.manifestSha256 !== "string") || typeof grant.capabilitiesSha256 !== "string") return "missing digests";
  if (!Array.isArray(grant.keyids) || !grant.keyids.every((k) => typeof k === "string")) return "keyids must be strings";
  const c = grant.capabilities;
  if (!isRecord(c)) return "no capabilities";
  if (!isRecord(c.network) || !stringList(c.network.hosts)) return "capabilities.network.hosts must be a list of strings";
  if (!c.network.hosts.every((h) => HOST_PATTERN.test(h) && !/[A-Z]/.test(h))) return "a network host is not a lowercase host[:port] (leftmost *. only)";
  if (!isRecord(c.fs) || !stringList(c.fs.read) || !stringList(c.fs.write)) return "capabilities.fs.read/write must be lists of strings";
  if (c.fs.write.some((p) => p.startsWith("$PLUGIN_DIR"))) return "$PLUGIN_DIR is read only";
  if (![...c.fs.read, ...c.fs.write].every((p) => /^\$(WORKSPACE|PLUGIN_DIR|PLUGIN_DATA|TMP)(\/|$)/.test(p) && !p.split("/").includes(".."))) {
    return "an fs path must start with $WORKSPACE, $PLUGIN_DIR, $PLUGIN_DATA or $TMP, without '..'";
  }
  if (!stringList(c.exec) || c.exec.some((e) => e.includes("/") || e === "")) return "capabilities.exec must be command basenames";
  if (!stringList(c.env) || !c.env.every((e) => ENV_NAME.test(e))) return "capabilities.env must be variable names";
  if (!Array.isArray(c.tools) || c.tools.length > MAX_ENTRIES) return "capabilities.tools must be a list";
  for (const t of c.tools as unknown[]) {
    if (!isRecord(t) || typeof t.name !== "string" || typeof t.definitionSha256 !== "string" || !HEX64.test(t.definitionSha256)) {
      return "each tool needs a name and a definitionSha256 (64 hex)";
    }
  }
  return null;
}

function stringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= MAX_ENTRIES && value.every((v) => typeof v === "string");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
