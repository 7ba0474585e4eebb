/**
 * `pack` (REGISTRY.md §7.1): strict `agentgov-plugin.yaml` → canonical manifest, the
 * deterministic tarball, `files` and `artifact`; writes `<file>.tgz` and
 * `<file>.manifest.json` (atomically) where `<file>` is `<name with / as +>-<version>`.
 */
import { constants } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  DEFAULT_LIMITS, RegistryError, artifactFilename, canonicalJson, formatRfc3339Seconds, parseJsonBounded,
  sha256, sha512, toBase64, toHex, toolDefinitionSha256, validateManifest,
  type Manifest, type ManifestFile, type ProtocolLimits, type ToolCapability,
} from "@agentgov/registry-protocol";
import { writeFileAtomic } from "../util/atomic-file.js";
import { readFileBounded } from "../util/read-bounded.js";
import { parseAuthoringYaml, MAX_YAML_BYTES } from "./authoring-yaml.js";
import { parseAuthoring, type Authoring } from "./authoring-manifest.js";
import { collectSourceFiles } from "./source-tree.js";
import { buildTarball, type TarballFile } from "./tarball.js";
import { generatePackageJson } from "./package-json.js";
import { localBaseName, manifestPathFor } from "./file-names.js";

/** Name of the authoring file at the plugin folder's root. */
export const AUTHORING_FILE = "agentgov-plugin.yaml";
const TOOL_DEFINITION_MAX_BYTES = 64 * 1024;

/** Options of {@link pack}. */
export interface PackOptions {
  /** Output folder; default the current folder. */
  outDir?: string;
  /**
   * `createdAt` (RFC 3339 UTC seconds). Default: `SOURCE_DATE_EPOCH` when set, else now.
   * It only affects the manifest; the tarball never depends on it.
   */
  createdAt?: string;
  limits?: ProtocolLimits;
}

/** What {@link pack} produced. */
export interface PackResult {
  manifest: Manifest;
  /** The tarball bytes (also written to `tarballPath`). */
  tarball: Uint8Array;
  tarballPath: string;
  manifestPath: string;
}

/** Packs the plugin folder `dir` (see module doc). */
export async function pack(dir: string, options: PackOptions = {}): Promise<PackResult> {
  const root = resolve(dir);
  const limits = options.limits ?? DEFAULT_LIMITS;
  const authoring = parseAuthoring(parseAuthoringYaml(await readFileBounded(join(root, AUTHORING_FILE), MAX_YAML_BYTES, "REGISTRY_YAML_INVALID")));
  const base = localBaseName(authoring.name, authoring.version);
  const exclude = new Set([AUTHORING_FILE, `${base}.tgz`, `${base}.manifest.json`, `${base}.agentsig.json`]);
  const { files: sources } = await collectSourceFiles(root, exclude, limits);
  const tarFiles: TarballFile[] = [];
  let authorPackageJson: Uint8Array | undefined;
  for (const source of sources) {
    const data = await readNoFollow(source.absolute, source.relative);
    if (data.byteLength !== source.size) throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "file changed while packing", { path: source.relative });
    if (source.relative === "package.json") authorPackageJson = data;
    else tarFiles.push({ path: source.relative, data, exec: source.exec });
  }
  tarFiles.push({ path: "package.json", data: Buffer.from(generatePackageJson(authoring, authorPackageJson)), exec: false });
  tarFiles.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const tools = await toolCapabilities(root, authoring, tarFiles);
  const tarball = await buildTarball(tarFiles);
  if (tarball.byteLength > limits.tarballBytes) {
    throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `tarball is larger than ${limits.tarballBytes} bytes`);
  }
  const digest = sha512(tarball);
  const files: ManifestFile[] = tarFiles.map((f) => ({
    path: `package/${f.path}`, size: f.data.byteLength, sha256: toHex(sha256(f.data)), exec: f.exec,
  }));
  const candidate: Record<string, unknown> = {
    _type: "agentgov/manifest/v1",
    name: authoring.name, version: authoring.version, publisher: authoring.publisher,
    artifact: { filename: artifactFilename(authoring.name, authoring.version), size: tarball.byteLength, sha512: toHex(digest), integrity: `sha512-${toBase64(digest)}` },
    files,
    entry: { kind: authoring.entry.kind, main: `package/${authoring.entry.main}` },
    capabilities: { ...authoring.capabilities, tools },
    createdAt: options.createdAt ?? defaultCreatedAt(),
  };
  for (const key of ["dependencies", "engines", "description", "license", "repository"] as const) {
    if (authoring[key] !== undefined) candidate[key] = authoring[key];
  }
  const manifest = validateManifest(candidate, limits);
  const outDir = resolve(options.outDir ?? ".");
  await mkdir(outDir, { recursive: true });
  const tarballPath = join(outDir, `${base}.tgz`);
  const manifestPath = manifestPathFor(tarballPath);
  await writeFileAtomic(tarballPath, tarball);
  await writeFileAtomic(manifestPath, `${canonicalJson(manifest)}\n`);
  return { manifest, tarball: new Uint8Array(tarball), tarballPath, manifestPath };
}

async function toolCapabilities(root: string, authoring: Authoring, tarFiles: readonly TarballFile[]): Promise<ToolCapability[]> {
  const packed = new Set(tarFiles.map((f) => f.path));
  const tools: ToolCapability[] = [];
  for (const [i, tool] of authoring.capabilities.tools.entries()) {
    const path = `capabilities.tools[${i}].definition`;
    if (!packed.has(tool.definition)) throw new RegistryError("REGISTRY_MANIFEST_INVALID", "definition must be a file of the plugin", { path });
    let definition: unknown;
    try {
      definition = parseJsonBounded(await readFileBounded(join(root, tool.definition), TOOL_DEFINITION_MAX_BYTES, "REGISTRY_MANIFEST_INVALID"), { maxBytes: TOOL_DEFINITION_MAX_BYTES });
    } catch (error) {
      throw new RegistryError("REGISTRY_MANIFEST_INVALID", "definition is not a valid JSON file", { path, cause: error });
    }
    if (typeof definition !== "object" || definition === null || Array.isArray(definition)) {
      throw new RegistryError("REGISTRY_MANIFEST_INVALID", "definition must be a JSON object", { path });
    }
    const d = definition as Record<string, unknown>;
    if (d.name !== tool.name) throw new RegistryError("REGISTRY_MANIFEST_INVALID", `definition name is not '${tool.name}'`, { path });
    if (typeof d.description !== "string") throw new RegistryError("REGISTRY_MANIFEST_INVALID", "definition needs a string description", { path });
    if (d.inputSchema === undefined) throw new RegistryError("REGISTRY_MANIFEST_INVALID", "definition needs an inputSchema", { path });
    tools.push({ name: tool.name, definitionSha256: toolDefinitionSha256({ name: tool.name, description: d.description, inputSchema: d.inputSchema }) });
  }
  return tools;
}

/** Reads a source file without following a symlink swapped in after the walk. */
async function readNoFollow(path: string, relative: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "source file changed while packing", { path: relative, cause: error });
  }
  try {
    if (!(await handle.stat()).isFile()) throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "source file changed while packing", { path: relative });
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function defaultCreatedAt(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^[0-9]{1,12}$/.test(epoch)) return formatRfc3339Seconds(Number(epoch));
  return formatRfc3339Seconds(Math.floor(Date.now() / 1000));
}
