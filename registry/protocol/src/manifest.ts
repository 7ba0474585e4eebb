/**
 * Manifest v1 (REGISTRY.md §4.3): the signed description of one plugin version, and its
 * strict validation. Unknown keys, wrong types, floats, `null`, non-NFC strings and
 * exceeded limits are `REGISTRY_MANIFEST_INVALID` with the path of the offending field.
 */
import { DEFAULT_LIMITS, type ProtocolLimits } from "./limits.js";
import { RegistryError } from "./errors.js";
import { at, Shape } from "./internal/shape.js";
import { canonicalBytes } from "./canonical-json.js";
import { fromBase64, fromHex, bytesEqual } from "./encoding.js";
import { validateCapabilities, type Capabilities } from "./capabilities.js";
import { ArchivePathSet } from "./archive-rules.js";
import { artifactFilename, isPublisherId, packageNameProblem, scopeOf } from "./package-name.js";
import { rangeProblem, versionProblem } from "./semver-rules.js";
import { isRfc3339Seconds } from "./time.js";

/** The `_type` of a v1 manifest. */
export const MANIFEST_TYPE = "agentgov/manifest/v1";

/** Plugin entry point kinds. */
export const ENTRY_KINDS = ["mcp-server", "tool", "agent", "skill"] as const;

/** One entry point kind. */
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** The signed tarball. */
export interface ManifestArtifact {
  /** `<unscoped name>-<version>.tgz`. */
  filename: string;
  /** Exact size, bytes. */
  size: number;
  /** Lowercase hex SHA-512 (128 characters). */
  sha512: string;
  /** `sha512-<base64>` of the same digest. */
  integrity: string;
}

/** One regular file of the tarball. */
export interface ManifestFile {
  /** Path in the tarball, under `package/`. */
  path: string;
  size: number;
  /** Lowercase hex SHA-256. */
  sha256: string;
  /** Any execute bit (installed 0755, else 0644). */
  exec: boolean;
}

/** A manifest v1 as plain JSON data. Optional fields are omitted, never `null`. */
export interface Manifest {
  _type: typeof MANIFEST_TYPE;
  name: string;
  version: string;
  publisher: string;
  artifact: ManifestArtifact;
  /** Sorted by byte order of `path`, unique. */
  files: ManifestFile[];
  entry: { kind: EntryKind; main: string };
  capabilities: Capabilities;
  /** Name → bounded range (same registry). */
  dependencies?: Record<string, string>;
  engines?: { agentgov?: string; node?: string };
  description?: string;
  /** SPDX license expression. */
  license?: string;
  /** `https:` URL. */
  repository?: string;
  /** Publisher's claim, RFC 3339 UTC seconds; informational only. */
  createdAt: string;
}

const REQUIRED = ["_type", "name", "version", "publisher", "artifact", "files", "entry", "capabilities", "createdAt"] as const;
const OPTIONAL = ["dependencies", "engines", "description", "license", "repository"] as const;
const SHA512_HEX = /^[0-9a-f]{128}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const SPDX_TOKEN = /^(?:\(|\)|AND|OR|WITH|(?:LicenseRef-|DocumentRef-[A-Za-z0-9.-]+:LicenseRef-)?[A-Za-z0-9.-]+\+?)$/;

/**
 * Validates a parsed manifest strictly (§4.3, §4.4, §4.7, §9) and returns it typed. The
 * canonical payload must fit `limits.manifestBytes` (64 KiB).
 */
export function validateManifest(value: unknown, limits: ProtocolLimits = DEFAULT_LIMITS): Manifest {
  const shape: Shape = new Shape("REGISTRY_MANIFEST_INVALID");
  const m = shape.object(value, "", REQUIRED, OPTIONAL);
  if (m._type !== MANIFEST_TYPE) shape.fail("_type", `must be ${MANIFEST_TYPE}`);
  const name = shape.string(m.name, "name", { max: 214 });
  const nameProblem = packageNameProblem(name);
  if (nameProblem !== undefined) shape.fail("name", nameProblem);
  const version = shape.string(m.version, "version", { max: limits.versionChars });
  const problem = versionProblem(version, limits.versionChars);
  if (problem !== undefined) shape.fail("version", problem);
  const publisher = shape.string(m.publisher, "publisher", { max: 39 });
  if (!isPublisherId(publisher)) shape.fail("publisher", "must match ^[a-z0-9][a-z0-9-]{0,38}$");
  const scope = scopeOf(name);
  if (scope !== undefined && scope !== publisher) shape.fail("name", `scope @${scope} is not the publisher '${publisher}'`);
  const artifact = validateArtifact(shape, m.artifact, name, version, limits);
  const files = validateFiles(shape, m.files, limits);
  const e = shape.object(m.entry, "entry", ["kind", "main"]);
  const kind = shape.string(e.kind, "entry.kind", { max: 16 });
  if (!(ENTRY_KINDS as readonly string[]).includes(kind)) shape.fail("entry.kind", `must be one of ${ENTRY_KINDS.join(", ")}`);
  const main = shape.string(e.main, "entry.main", { max: limits.pathBytes });
  if (!files.some((f) => f.path === main)) shape.fail("entry.main", "must be one of files[].path");
  const capabilities = validateCapabilities(m.capabilities, "capabilities", shape);
  const createdAt = shape.string(m.createdAt, "createdAt", { max: 20 });
  if (!isRfc3339Seconds(createdAt)) shape.fail("createdAt", "must be RFC 3339 UTC with seconds precision");
  const manifest: Manifest = {
    _type: MANIFEST_TYPE, name, version, publisher, artifact, files,
    entry: { kind: kind as EntryKind, main }, capabilities, createdAt,
  };
  if (m.dependencies !== undefined) manifest.dependencies = validateDependencies(shape, m.dependencies, name, limits);
  if (m.engines !== undefined) manifest.engines = validateEngines(shape, m.engines, limits);
  if (m.description !== undefined) manifest.description = shape.string(m.description, "description", { max: 1024 });
  if (m.license !== undefined) manifest.license = validateLicense(shape, m.license);
  if (m.repository !== undefined) manifest.repository = validateRepository(shape, m.repository);
  if (canonicalBytes(value).byteLength > limits.manifestBytes) shape.fail("", `canonical manifest larger than ${limits.manifestBytes} bytes`);
  return manifest;
}

function validateArtifact(shape: Shape, value: unknown, name: string, version: string, limits: ProtocolLimits): ManifestArtifact {
  const a = shape.object(value, "artifact", ["filename", "size", "sha512", "integrity"]);
  const filename = shape.string(a.filename, "artifact.filename", { max: 512 });
  if (filename !== artifactFilename(name, version)) shape.fail("artifact.filename", `must be ${artifactFilename(name, version)}`);
  const size = shape.integer(a.size, "artifact.size", 1, limits.tarballBytes);
  const sha512 = shape.string(a.sha512, "artifact.sha512", { max: 128, pattern: SHA512_HEX });
  const integrity = shape.string(a.integrity, "artifact.integrity", { max: 95 });
  const digest = integrity.startsWith("sha512-") ? fromBase64(integrity.slice(7)) : undefined;
  const hex = fromHex(sha512);
  if (digest === undefined || hex === undefined || !bytesEqual(digest, hex)) {
    throw new RegistryError("REGISTRY_MANIFEST_INVALID", "integrity and sha512 encode different digests", { path: "artifact.integrity" });
  }
  return { filename, size, sha512, integrity };
}

function validateFiles(shape: Shape, value: unknown, limits: ProtocolLimits): ManifestFile[] {
  const paths = new ArchivePathSet();
  let total = 0;
  let previous: Buffer | undefined;
  return shape.array(value, "files", limits.entries).map((item, i): ManifestFile => {
    const where = at("files", i);
    const f = shape.object(item, where, ["path", "size", "sha256", "exec"]);
    const path = shape.string(f.path, at(where, "path"), { max: limits.pathBytes });
    try {
      paths.add(path, "File", limits);
    } catch (cause) {
      throw new RegistryError("REGISTRY_MANIFEST_INVALID", (cause as Error).message, { path: at(where, "path"), cause });
    }
    const bytes = Buffer.from(path, "utf8");
    if (previous !== undefined && Buffer.compare(previous, bytes) >= 0) shape.fail(at(where, "path"), "files must be sorted by byte order of path");
    previous = bytes;
    const size = shape.integer(f.size, at(where, "size"), 0, limits.fileBytes);
    total += size;
    if (total > limits.unpackedBytes) shape.fail(at(where, "size"), `files total more than ${limits.unpackedBytes} bytes`);
    const sha256 = shape.string(f.sha256, at(where, "sha256"), { max: 64, pattern: SHA256_HEX });
    const exec = shape.boolean(f.exec, at(where, "exec"));
    return { path, size, sha256, exec };
  });
}

function validateDependencies(shape: Shape, value: unknown, self: string, limits: ProtocolLimits): Record<string, string> {
  const deps = shape.map(value, "dependencies", limits.dependencies);
  const out: Record<string, string> = {};
  for (const [dep, range] of Object.entries(deps)) {
    const where = at("dependencies", dep);
    shape.string(dep, where, { max: 214 });
    const problem = packageNameProblem(dep);
    if (problem !== undefined) shape.fail(where, `dependency name: ${problem}`);
    if (dep === self) shape.fail(where, "a plugin cannot depend on itself");
    const text = shape.string(range, where, { max: limits.versionChars });
    const rp = rangeProblem(text, { maxChars: limits.versionChars, maxAlternatives: limits.rangeAlternatives });
    if (rp !== undefined) shape.fail(where, rp);
    out[dep] = text;
  }
  return out;
}

function validateEngines(shape: Shape, value: unknown, limits: ProtocolLimits): { agentgov?: string; node?: string } {
  const e = shape.object(value, "engines", [], ["agentgov", "node"]);
  const out: { agentgov?: string; node?: string } = {};
  for (const key of ["agentgov", "node"] as const) {
    if (e[key] === undefined) continue;
    const text = shape.string(e[key], at("engines", key), { max: limits.versionChars });
    const problem = rangeProblem(text, { bounded: false, maxChars: limits.versionChars, maxAlternatives: limits.rangeAlternatives });
    if (problem !== undefined) shape.fail(at("engines", key), problem);
    out[key] = text;
  }
  return out;
}

/** SPDX expression syntax: ids (optionally `+`), `LicenseRef-…`, `AND`/`OR`/`WITH`, parentheses. */
function validateLicense(shape: Shape, value: unknown): string {
  const text = shape.string(value, "license", { max: 128 });
  const tokens = text.replace(/[()]/g, " $& ").trim().split(/\s+/);
  let depth = 0;
  let expectOperand = true;
  for (const token of tokens) {
    if (!SPDX_TOKEN.test(token)) shape.fail("license", "not an SPDX expression");
    if (token === "(") {
      if (!expectOperand) shape.fail("license", "not an SPDX expression");
      depth++;
    } else if (token === ")") {
      if (expectOperand || --depth < 0) shape.fail("license", "not an SPDX expression");
    } else if (token === "AND" || token === "OR" || token === "WITH") {
      if (expectOperand) shape.fail("license", "not an SPDX expression");
      expectOperand = true;
    } else {
      if (!expectOperand) shape.fail("license", "not an SPDX expression");
      expectOperand = false;
    }
  }
  if (expectOperand || depth !== 0) shape.fail("license", "not an SPDX expression");
  return text;
}

function validateRepository(shape: Shape, value: unknown): string {
  const text = shape.string(value, "repository", { max: 512 });
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "https:" || url.username !== "" || url.password !== "" || url.href !== text) {
    shape.fail("repository", "must be a normalized https URL without credentials");
  }
  return text;
}
