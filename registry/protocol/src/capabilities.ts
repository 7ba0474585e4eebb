/**
 * Plugin capabilities (REGISTRY.md §4.4): what a plugin may touch. All five keys are
 * required (an empty array grants nothing); anything not declared is denied. Syntax only
 * here; the kernel matches concrete requests against a grant.
 */
import { RegistryError } from "./errors.js";
import { at, Shape } from "./internal/shape.js";
import { canonicalBytes } from "./canonical-json.js";
import { sha256 } from "./hash.js";
import { toHex } from "./encoding.js";

/** A tool a plugin may register, pinned to the hash of its definition. */
export interface ToolCapability {
  /** Tool name, `[A-Za-z0-9_-]{1,64}`. */
  name: string;
  /** Lowercase hex SHA-256 of JCS `{name, description, inputSchema}` (see {@link toolDefinitionSha256}). */
  definitionSha256: string;
}

/** Declared capabilities; plain JSON data. */
export interface Capabilities {
  /** `host` or `host:port`, lowercase A-labels, optional leftmost `*.`; no port means 443. */
  network: { hosts: string[] };
  /** Path patterns: `$WORKSPACE`, `$PLUGIN_DIR` (read only), `$PLUGIN_DATA` or `$TMP`, then `/seg…`, optional `/**`. */
  fs: { read: string[]; write: string[] };
  /** Command basenames, matched against argv[0]. */
  exec: string[];
  /** Environment variable names, `[A-Z_][A-Z0-9_]*`. */
  env: string[];
  /** Tools the plugin may register. */
  tools: ToolCapability[];
}

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*(?::(?:[1-9][0-9]{0,4}))?$`);
const FS_SEGMENT = "(?!\\.{1,2}(?:/|$))[A-Za-z0-9._@+=,~-]+";
const FS_PATH = new RegExp(`^\\$(WORKSPACE|PLUGIN_DIR|PLUGIN_DATA|TMP)(?:/${FS_SEGMENT})*(?:/\\*\\*)?$`);
const EXEC = /^(?!\.{1,2}$)[A-Za-z0-9._+-]{1,255}$/;
const ENV = /^[A-Z_][A-Z0-9_]*$/;
const TOOL = /^[A-Za-z0-9_-]{1,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Most entries per capability list. */
export const MAX_CAPABILITY_ENTRIES = 256;

/** Why a `network.hosts` entry is malformed, or `undefined`. */
export function hostPatternProblem(entry: string): string | undefined {
  if (!HOST.test(entry)) return "must be a lowercase host or host:port, optionally '*.' + domain";
  const [host = "", port] = entry.split(":");
  if (port !== undefined && Number(port) > 65535) return "port out of range";
  if (host.length > 253) return "host longer than 253 characters";
  if (host.startsWith("*.") && host.split(".").length < 3) return "a wildcard needs at least two labels after '*.'";
  return undefined;
}

/**
 * Validates capabilities strictly and returns them typed. Errors carry `code` (default
 * `REGISTRY_MANIFEST_INVALID`) and the offending path under `path` (default `capabilities`).
 */
export function validateCapabilities(value: unknown, path = "capabilities", shape: Shape = new Shape("REGISTRY_MANIFEST_INVALID")): Capabilities {
  const max = MAX_CAPABILITY_ENTRIES;
  const record = shape.object(value, path, ["network", "fs", "exec", "env", "tools"]);
  const network = shape.object(record.network, at(path, "network"), ["hosts"]);
  const hostsPath = at(at(path, "network"), "hosts");
  const hosts = shape.uniqueStrings(network.hosts, hostsPath, max, { max: 259 });
  hosts.forEach((host, i) => {
    const problem = hostPatternProblem(host);
    if (problem !== undefined) shape.fail(at(hostsPath, i), problem);
  });
  const fs = shape.object(record.fs, at(path, "fs"), ["read", "write"]);
  const fsRule = { max: 1024, pattern: FS_PATH };
  const read = shape.uniqueStrings(fs.read, at(at(path, "fs"), "read"), max, fsRule);
  const write = shape.uniqueStrings(fs.write, at(at(path, "fs"), "write"), max, fsRule);
  write.forEach((entry, i) => {
    if (entry.startsWith("$PLUGIN_DIR")) shape.fail(at(at(at(path, "fs"), "write"), i), "$PLUGIN_DIR is read only");
  });
  const exec = shape.uniqueStrings(record.exec, at(path, "exec"), max, { max: 255, pattern: EXEC });
  const env = shape.uniqueStrings(record.env, at(path, "env"), max, { max: 256, pattern: ENV });
  const toolsPath = at(path, "tools");
  const names = new Set<string>();
  const tools = shape.array(record.tools, toolsPath, max).map((item, i): ToolCapability => {
    const tool = shape.object(item, at(toolsPath, i), ["name", "definitionSha256"]);
    const name = shape.string(tool.name, at(at(toolsPath, i), "name"), { max: 64, pattern: TOOL });
    if (names.has(name)) shape.fail(at(at(toolsPath, i), "name"), "duplicate tool");
    names.add(name);
    const definitionSha256 = shape.string(tool.definitionSha256, at(at(toolsPath, i), "definitionSha256"), { max: 64, pattern: SHA256_HEX });
    return { name, definitionSha256 };
  });
  return { network: { hosts }, fs: { read, write }, exec, env, tools };
}

/** Capabilities that grant nothing. */
export function emptyCapabilities(): Capabilities {
  return { network: { hosts: [] }, fs: { read: [], write: [] }, exec: [], env: [], tools: [] };
}

/** Lowercase hex SHA-256 of JCS(capabilities): the value an operator consents to. */
export function capabilitiesSha256(capabilities: Capabilities): string {
  return toHex(sha256(canonicalBytes(capabilities)));
}

/** A tool definition as the plugin registers it at runtime. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: unknown;
}

/** `definitionSha256` of a tool: lowercase hex SHA-256 of JCS `{name, description, inputSchema}`. */
export function toolDefinitionSha256(definition: ToolDefinition): string {
  if (typeof definition.name !== "string" || typeof definition.description !== "string") {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", "a tool definition needs a string name and description");
  }
  const { name, description, inputSchema } = definition;
  return toHex(sha256(canonicalBytes({ name, description, inputSchema })));
}
