/**
 * Authoring data (parsed `agentgov-plugin.yaml`) → the manifest fields it contributes
 * (REGISTRY.md §4.2): the §4.3 fields minus `files`, `artifact` and `createdAt`. Types are
 * checked, never coerced; unknown keys and wrong types are `REGISTRY_MANIFEST_INVALID`.
 * `entry.main` and each tool's `definition` are paths relative to the plugin folder.
 */
import { RegistryError, type EntryKind } from "@agentgov/registry-protocol";

/** One tool as authored: its name and the JSON file holding `{name, description, inputSchema}`. */
export interface AuthoredTool {
  name: string;
  /** Path relative to the plugin folder. */
  definition: string;
}

/** The authoring fields, shape-checked; values are validated again as a whole manifest. */
export interface Authoring {
  name: string;
  version: string;
  publisher: string;
  entry: { kind: EntryKind; main: string };
  capabilities: {
    network: { hosts: string[] };
    fs: { read: string[]; write: string[] };
    exec: string[];
    env: string[];
    tools: AuthoredTool[];
  };
  dependencies?: Record<string, string>;
  engines?: { agentgov?: string; node?: string };
  description?: string;
  license?: string;
  repository?: string;
}

const TOP = ["name", "version", "publisher", "entry", "capabilities", "dependencies", "engines", "description", "license", "repository"];
const REQUIRED_TOP = ["name", "version", "publisher", "entry", "capabilities"];

function fail(path: string, message: string): never {
  throw new RegistryError("REGISTRY_MANIFEST_INVALID", message, { path });
}

function object(value: unknown, path: string, allowed: readonly string[], required: readonly string[] = allowed): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, "must be a mapping");
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!allowed.includes(key)) fail(path === "" ? key : `${path}.${key}`, "unknown field");
  for (const key of required) if (record[key] === undefined) fail(path === "" ? key : `${path}.${key}`, "is required");
  return record;
}

function string(value: unknown, path: string): string {
  if (typeof value !== "string") fail(path, "must be a string (quote numbers such as versions)");
  return value;
}

function strings(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(path, "must be a list");
  return value.map((item, i) => string(item, `${path}[${i}]`));
}

function stringMap(value: unknown, path: string): Record<string, string> {
  const record = object(value, path, Object.keys(value ?? {}), []);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(record)) out[key] = string(item, `${path}.${key}`);
  return out;
}

/**
 * A path inside the plugin folder: relative, `/`-separated, no `.`/`..`/empty segments, no
 * backslash. Returned unchanged.
 */
export function checkRelativePath(value: string, path: string): string {
  if (value === "" || value.startsWith("/") || value.includes("\\") || value.includes("\0")) fail(path, "must be a relative path inside the plugin folder");
  for (const segment of value.split("/")) {
    if (segment === "" || segment === "." || segment === "..") fail(path, "must be a relative path inside the plugin folder");
  }
  return value;
}

/** Shape-checks parsed authoring YAML. */
export function parseAuthoring(value: unknown): Authoring {
  const top = object(value, "", TOP, REQUIRED_TOP);
  const entry = object(top.entry, "entry", ["kind", "main"]);
  const caps = object(top.capabilities, "capabilities", ["network", "fs", "exec", "env", "tools"]);
  const network = object(caps.network, "capabilities.network", ["hosts"]);
  const fs = object(caps.fs, "capabilities.fs", ["read", "write"]);
  if (!Array.isArray(caps.tools)) fail("capabilities.tools", "must be a list");
  const tools = caps.tools.map((tool: unknown, i) => {
    const t = object(tool, `capabilities.tools[${i}]`, ["name", "definition"]);
    return {
      name: string(t.name, `capabilities.tools[${i}].name`),
      definition: checkRelativePath(string(t.definition, `capabilities.tools[${i}].definition`), `capabilities.tools[${i}].definition`),
    };
  });
  const authoring: Authoring = {
    name: string(top.name, "name"),
    version: string(top.version, "version"),
    publisher: string(top.publisher, "publisher"),
    entry: { kind: string(entry.kind, "entry.kind") as EntryKind, main: checkRelativePath(string(entry.main, "entry.main"), "entry.main") },
    capabilities: {
      network: { hosts: strings(network.hosts, "capabilities.network.hosts") },
      fs: { read: strings(fs.read, "capabilities.fs.read"), write: strings(fs.write, "capabilities.fs.write") },
      exec: strings(caps.exec, "capabilities.exec"),
      env: strings(caps.env, "capabilities.env"),
      tools,
    },
  };
  if (top.dependencies !== undefined) authoring.dependencies = stringMap(top.dependencies, "dependencies");
  if (top.engines !== undefined) {
    const engines = object(top.engines, "engines", ["agentgov", "node"], []);
    authoring.engines = {};
    if (engines.agentgov !== undefined) authoring.engines.agentgov = string(engines.agentgov, "engines.agentgov");
    if (engines.node !== undefined) authoring.engines.node = string(engines.node, "engines.node");
  }
  if (top.description !== undefined) authoring.description = string(top.description, "description");
  if (top.license !== undefined) authoring.license = string(top.license, "license");
  if (top.repository !== undefined) authoring.repository = string(top.repository, "repository");
  return authoring;
}
