/**
 * The plugin grant (REGISTRY.md §4.4): plain, JSON-serialisable data that the host hands
 * to the kernel after re-verifying an install. The kernel checks every request on behalf of
 * a plugin against it before any policy; nothing outside it is allowed.
 *
 * Shape (`_type` `agentgov/plugin-grant/v1`):
 * ```json
 * {"_type":"agentgov/plugin-grant/v1","plugin":"@acme/web-search","version":"1.4.2",
 *  "manifestSha256":"<64 hex>","keyids":["ed25519:<64 hex>"],
 *  "capabilities":{"network":{"hosts":[]},"fs":{"read":[],"write":[]},"exec":[],"env":[],"tools":[]},
 *  "capabilitiesSha256":"<64 hex>"}
 * ```
 */
import { RegistryError } from "./errors.js";
import { Shape } from "./internal/shape.js";
import { canonicalBytes } from "./canonical-json.js";
import { sha256 } from "./hash.js";
import { bytesEqual, fromHex, toHex } from "./encoding.js";
import { isKeyId, type KeyId } from "./ed25519.js";
import { capabilitiesSha256, emptyCapabilities, validateCapabilities, type Capabilities } from "./capabilities.js";
import { packageNameProblem } from "./package-name.js";
import { versionProblem } from "./semver-rules.js";
import type { Manifest } from "./manifest.js";

/** The `_type` of a grant. */
export const PLUGIN_GRANT_TYPE = "agentgov/plugin-grant/v1";

/** What one installed plugin may do. */
export interface PluginGrant {
  _type: typeof PLUGIN_GRANT_TYPE;
  /** Package name. */
  plugin: string;
  /** Installed version (canonical). */
  version: string;
  /** Lowercase hex SHA-256 of the canonical manifest (the DSSE payload); absent only in the empty grant of an unsigned plugin. */
  manifestSha256?: string;
  /** Key ids whose signatures verified, sorted, unique; empty for an unsigned plugin. */
  keyids: KeyId[];
  /** The signed capabilities (all empty for an unsigned plugin). */
  capabilities: Capabilities;
  /** Lowercase hex SHA-256 of JCS(capabilities): the value the operator consented to. */
  capabilitiesSha256: string;
}

/** Lowercase hex SHA-256 of the canonical manifest bytes. */
export function manifestSha256(manifest: Manifest): string {
  return toHex(sha256(canonicalBytes(manifest)));
}

/** The grant of a verified manifest signed by `keyids`. */
export function grantFromManifest(manifest: Manifest, keyids: readonly KeyId[]): PluginGrant {
  if (keyids.length === 0) throw new RegistryError("REGISTRY_UNSIGNED", "a signed grant needs at least one key id");
  return {
    _type: PLUGIN_GRANT_TYPE,
    plugin: manifest.name,
    version: manifest.version,
    manifestSha256: manifestSha256(manifest),
    keyids: [...new Set(keyids)].sort(),
    capabilities: manifest.capabilities,
    capabilitiesSha256: capabilitiesSha256(manifest.capabilities),
  };
}

/** The empty grant of an unsigned plugin: no key ids, no capabilities. */
export function emptyGrant(plugin: string, version: string): PluginGrant {
  const capabilities = emptyCapabilities();
  return { _type: PLUGIN_GRANT_TYPE, plugin, version, keyids: [], capabilities, capabilitiesSha256: capabilitiesSha256(capabilities) };
}

/**
 * Validates grant data strictly (shape, names, sorted unique key ids, and
 * `capabilitiesSha256` equal to the hash of `capabilities`). Errors are `REGISTRY_REQUEST_INVALID`.
 */
export function validateGrant(value: unknown): PluginGrant {
  const shape: Shape = new Shape("REGISTRY_REQUEST_INVALID");
  const g = shape.object(value, "", ["_type", "plugin", "version", "keyids", "capabilities", "capabilitiesSha256"], ["manifestSha256"]);
  if (g._type !== PLUGIN_GRANT_TYPE) shape.fail("_type", `must be ${PLUGIN_GRANT_TYPE}`);
  const plugin = shape.string(g.plugin, "plugin", { max: 214 });
  const nameProblem = packageNameProblem(plugin);
  if (nameProblem !== undefined) shape.fail("plugin", nameProblem);
  const version = shape.string(g.version, "version", { max: 256 });
  const problem = versionProblem(version);
  if (problem !== undefined) shape.fail("version", problem);
  const keyids = shape.uniqueStrings(g.keyids, "keyids", 64, { max: 72 }).map((k, i) => {
    if (!isKeyId(k)) shape.fail(`keyids[${i}]`, "not an ed25519 key id");
    return k;
  });
  if (keyids.join("\n") !== [...keyids].sort().join("\n")) shape.fail("keyids", "must be sorted");
  const capabilities = validateCapabilities(g.capabilities, "capabilities", shape);
  const digest = shape.string(g.capabilitiesSha256, "capabilitiesSha256", { max: 64, pattern: /^[0-9a-f]{64}$/ });
  if (!bytesEqual(fromHex(digest) ?? new Uint8Array(), fromHex(capabilitiesSha256(capabilities)) ?? new Uint8Array())) {
    shape.fail("capabilitiesSha256", "does not match capabilities");
  }
  const grant: PluginGrant = { _type: PLUGIN_GRANT_TYPE, plugin, version, keyids, capabilities, capabilitiesSha256: digest };
  if (g.manifestSha256 !== undefined) {
    grant.manifestSha256 = shape.string(g.manifestSha256, "manifestSha256", { max: 64, pattern: /^[0-9a-f]{64}$/ });
  } else if (keyids.length > 0) {
    shape.fail("manifestSha256", "a signed grant needs manifestSha256");
  }
  return grant;
}
