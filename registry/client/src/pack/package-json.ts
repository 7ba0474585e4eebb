/**
 * The generated `package/package.json` (REGISTRY.md §7.1): name, version, description and
 * license from the manifest; an author's `package.json` may add only `type` and `exports`
 * (and may repeat `name`/`version` when equal). `scripts` is `REGISTRY_SCRIPTS_FORBIDDEN`.
 */
import { RegistryError, canonicalJson, parseJsonBounded } from "@agentgov/registry-protocol";

const AUTHOR_KEYS = new Set(["type", "exports", "name", "version"]);

/** Canonical JSON (plus newline) of the generated `package.json`. */
export function generatePackageJson(
  manifest: { name: string; version: string; description?: string; license?: string },
  authorBytes: Uint8Array | undefined,
): string {
  const out: Record<string, unknown> = { name: manifest.name, version: manifest.version };
  if (manifest.description !== undefined) out.description = manifest.description;
  if (manifest.license !== undefined) out.license = manifest.license;
  if (authorBytes !== undefined) {
    let author: unknown;
    try {
      author = parseJsonBounded(authorBytes, { maxBytes: 64 * 1024 });
    } catch (error) {
      throw new RegistryError("REGISTRY_MANIFEST_INVALID", "package.json is not valid JSON", { path: "package.json", cause: error });
    }
    if (typeof author !== "object" || author === null || Array.isArray(author)) {
      throw new RegistryError("REGISTRY_MANIFEST_INVALID", "package.json must be an object", { path: "package.json" });
    }
    for (const [key, value] of Object.entries(author)) {
      if (key === "scripts") throw new RegistryError("REGISTRY_SCRIPTS_FORBIDDEN", "install scripts are not allowed", { path: "package.json.scripts" });
      if (!AUTHOR_KEYS.has(key)) throw new RegistryError("REGISTRY_MANIFEST_INVALID", "package.json may add only type and exports", { path: `package.json.${key}` });
      if ((key === "name" || key === "version") && value !== out[key]) {
        throw new RegistryError("REGISTRY_MANIFEST_INVALID", `package.json ${key} differs from agentgov-plugin.yaml`, { path: `package.json.${key}` });
      }
      if (key === "type" && value !== "module" && value !== "commonjs") {
        throw new RegistryError("REGISTRY_MANIFEST_INVALID", "type must be module or commonjs", { path: "package.json.type" });
      }
      if (key === "type" || key === "exports") out[key] = value;
    }
  }
  return `${canonicalJson(out)}\n`;
}
