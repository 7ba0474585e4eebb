import { describe, expect, it } from "vitest";
import { emptyGrant, grantFromManifest, manifestSha256, validateGrant, type PluginGrant } from "./grant.js";
import { validateManifest } from "./manifest.js";
import { validManifest } from "./testing/fixtures/manifest.js";
import { capabilitiesSha256, emptyCapabilities } from "./capabilities.js";
import { canonicalBytes } from "./canonical-json.js";
import { sha256 } from "./hash.js";
import { toHex } from "./encoding.js";
import { generateKeyPair } from "./ed25519.js";
import { isRegistryError } from "./errors.js";

const manifest = validateManifest(validManifest());
const [a, b] = [generateKeyPair().keyid, generateKeyPair().keyid];

function failurePath(value: unknown): string | undefined {
  try {
    validateGrant(value);
  } catch (error) {
    if (isRegistryError(error) && error.code === "REGISTRY_REQUEST_INVALID") return error.path;
    throw error;
  }
  return undefined;
}

describe("grantFromManifest", () => {
  it("builds the §4.4 grant", () => {
    const grant = grantFromManifest(manifest, [b, a, b]);
    expect(grant).toEqual({
      _type: "agentgov/plugin-grant/v1",
      plugin: "@acme/web-search",
      version: "1.4.2",
      manifestSha256: toHex(sha256(canonicalBytes(manifest))),
      keyids: [a, b].sort(),
      capabilities: manifest.capabilities,
      capabilitiesSha256: capabilitiesSha256(manifest.capabilities),
    });
    expect(manifestSha256(manifest)).toBe(grant.manifestSha256);
  });
  it("is plain JSON data that survives a round trip and validates", () => {
    const grant = grantFromManifest(manifest, [a]);
    const copy = JSON.parse(JSON.stringify(grant)) as unknown;
    expect(copy).toEqual(grant);
    expect(validateGrant(copy)).toEqual(grant);
  });
  it("refuses an empty key id list (REGISTRY_UNSIGNED)", () => {
    expect(() => grantFromManifest(manifest, [])).toThrow(expect.objectContaining({ code: "REGISTRY_UNSIGNED" }));
  });
});

describe("emptyGrant", () => {
  it("grants nothing and has no manifest digest", () => {
    const grant = emptyGrant("left-pad", "1.0.0");
    expect(grant.keyids).toEqual([]);
    expect(grant.capabilities).toEqual(emptyCapabilities());
    expect("manifestSha256" in grant).toBe(false);
    expect(validateGrant(grant)).toEqual(grant);
  });
});

describe("validateGrant", () => {
  const grant = (): PluginGrant => grantFromManifest(manifest, [a, b]);
  it.each([
    ["wrong _type", (g: PluginGrant) => ({ ...g, _type: "agentgov/grant/v1" }), "_type"],
    ["unknown key", (g: PluginGrant) => ({ ...g, extra: 1 }), "extra"],
    ["bad plugin name", (g: PluginGrant) => ({ ...g, plugin: "Bad" }), "plugin"],
    ["bad version", (g: PluginGrant) => ({ ...g, version: "v1" }), "version"],
    ["bad key id", (g: PluginGrant) => ({ ...g, keyids: ["ed25519:xyz"] }), "keyids[0]"],
    ["unsorted key ids", (g: PluginGrant) => ({ ...g, keyids: [...g.keyids].reverse() }), "keyids"],
    ["duplicate key ids", (g: PluginGrant) => ({ ...g, keyids: [g.keyids[0], g.keyids[0]] }), "keyids[1]"],
    ["widened capabilities", (g: PluginGrant) => ({ ...g, capabilities: { ...g.capabilities, exec: ["sh"] } }), "capabilitiesSha256"],
    ["bad capabilities", (g: PluginGrant) => ({ ...g, capabilities: { ...g.capabilities, exec: ["/bin/sh"] } }), "capabilities.exec[0]"],
    ["bad manifest digest", (g: PluginGrant) => ({ ...g, manifestSha256: "x" }), "manifestSha256"],
    ["signed grant without manifest digest", (g: PluginGrant) => { const { manifestSha256: _, ...rest } = g; return rest; }, "manifestSha256"],
  ])("rejects %s at its path", (_name, mutate, path) => {
    expect(failurePath(mutate(grant()))).toBe(path);
  });
});
