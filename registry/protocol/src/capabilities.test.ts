import { describe, expect, it } from "vitest";
import {
  capabilitiesSha256, emptyCapabilities, hostPatternProblem, toolDefinitionSha256, validateCapabilities, type Capabilities,
} from "./capabilities.js";
import { canonicalBytes } from "./canonical-json.js";
import { sha256 } from "./hash.js";
import { toHex } from "./encoding.js";
import { isRegistryError } from "./errors.js";

const base = (): Capabilities => ({
  network: { hosts: ["api.example.com", "*.cdn.example.com", "example.com:8443", "xn--bcher-kva.example"] },
  fs: { read: ["$WORKSPACE/**", "$PLUGIN_DIR/assets", "$TMP"], write: ["$PLUGIN_DATA/cache/**"] },
  exec: ["git", "node"],
  env: ["EXAMPLE_API_KEY", "_X"],
  tools: [{ name: "web_search", definitionSha256: "a".repeat(64) }],
});

function failure(value: unknown): { code: string; path: string | undefined } | undefined {
  try {
    validateCapabilities(value);
  } catch (error) {
    if (isRegistryError(error)) return { code: error.code, path: error.path };
    throw error;
  }
  return undefined;
}

describe("validateCapabilities", () => {
  it("accepts well-formed capabilities and returns a copy", () => {
    const value = base();
    expect(validateCapabilities(value)).toEqual(value);
    expect(validateCapabilities(emptyCapabilities())).toEqual(emptyCapabilities());
  });
  it.each([
    ["missing key", (c: Record<string, unknown>) => { delete c.env; }, "capabilities.env"],
    ["unknown key", (c: Record<string, unknown>) => { c.ipc = []; }, "capabilities.ipc"],
    ["null", (c: Record<string, unknown>) => { c.exec = null; }, "capabilities.exec"],
    ["bare *", (c: Capabilities) => { c.network.hosts = ["*"]; }, "capabilities.network.hosts[0]"],
    ["inner wildcard", (c: Capabilities) => { c.network.hosts = ["api.*.example.com"]; }, "capabilities.network.hosts[0]"],
    ["wildcard over a TLD", (c: Capabilities) => { c.network.hosts = ["*.com"]; }, "capabilities.network.hosts[0]"],
    ["uppercase host", (c: Capabilities) => { c.network.hosts = ["API.example.com"]; }, "capabilities.network.hosts[0]"],
    ["U-label host", (c: Capabilities) => { c.network.hosts = ["bücher.example"]; }, "capabilities.network.hosts[0]"],
    ["port 0", (c: Capabilities) => { c.network.hosts = ["a.example:0"]; }, "capabilities.network.hosts[0]"],
    ["port too large", (c: Capabilities) => { c.network.hosts = ["a.example:65536"]; }, "capabilities.network.hosts[0]"],
    ["URL", (c: Capabilities) => { c.network.hosts = ["https://a.example"]; }, "capabilities.network.hosts[0]"],
    ["duplicate host", (c: Capabilities) => { c.network.hosts = ["a.example", "a.example"]; }, "capabilities.network.hosts[1]"],
    ["absolute path", (c: Capabilities) => { c.fs.read = ["/etc/passwd"]; }, "capabilities.fs.read[0]"],
    ["unknown root", (c: Capabilities) => { c.fs.read = ["$HOME/x"]; }, "capabilities.fs.read[0]"],
    ["dot-dot", (c: Capabilities) => { c.fs.read = ["$WORKSPACE/../x"]; }, "capabilities.fs.read[0]"],
    ["inner glob", (c: Capabilities) => { c.fs.read = ["$WORKSPACE/*/x"]; }, "capabilities.fs.read[0]"],
    ["trailing slash", (c: Capabilities) => { c.fs.read = ["$WORKSPACE/"]; }, "capabilities.fs.read[0]"],
    ["write to PLUGIN_DIR", (c: Capabilities) => { c.fs.write = ["$PLUGIN_DIR/**"]; }, "capabilities.fs.write[0]"],
    ["exec path", (c: Capabilities) => { c.exec = ["/usr/bin/git"]; }, "capabilities.exec[0]"],
    ["exec shell string", (c: Capabilities) => { c.exec = ["git status"]; }, "capabilities.exec[0]"],
    ["exec dot-dot", (c: Capabilities) => { c.exec = [".."]; }, "capabilities.exec[0]"],
    ["lowercase env", (c: Capabilities) => { c.env = ["path"]; }, "capabilities.env[0]"],
    ["env leading digit", (c: Capabilities) => { c.env = ["1X"]; }, "capabilities.env[0]"],
    ["tool name", (c: Capabilities) => { c.tools = [{ name: "web search", definitionSha256: "a".repeat(64) }]; }, "capabilities.tools[0].name"],
    ["tool digest", (c: Capabilities) => { c.tools = [{ name: "t", definitionSha256: "A".repeat(64) }]; }, "capabilities.tools[0].definitionSha256"],
    ["duplicate tool", (c: Capabilities) => { c.tools = [c.tools[0]!, c.tools[0]!]; }, "capabilities.tools[1].name"],
    ["extra tool field", (c: Capabilities) => { c.tools = [{ ...c.tools[0]!, x: 1 } as never]; }, "capabilities.tools[0].x"],
    ["non-array", (c: Record<string, unknown>) => { c.env = "X"; }, "capabilities.env"],
    ["non-string entry", (c: Record<string, unknown>) => { c.exec = [1]; }, "capabilities.exec[0]"],
    ["too many entries", (c: Capabilities) => { c.env = Array.from({ length: 257 }, (_, i) => `V${i}`); }, "capabilities.env"],
  ] as [string, (c: never) => void, string][])("rejects %s at its path", (_name, mutate, path) => {
    const value = base();
    mutate(value as never);
    expect(failure(value)).toEqual({ code: "REGISTRY_MANIFEST_INVALID", path });
  });
  it("rejects a non-object", () => {
    expect(failure([])).toEqual({ code: "REGISTRY_MANIFEST_INVALID", path: "capabilities" });
  });
});

describe("hostPatternProblem", () => {
  it("accepts ports up to 65535 and long but valid hosts", () => {
    expect(hostPatternProblem("a.example:65535")).toBeUndefined();
    expect(hostPatternProblem(`${"a".repeat(63)}.example`)).toBeUndefined();
  });
  it("rejects hosts over 253 characters and labels over 63", () => {
    expect(hostPatternProblem(Array.from({ length: 5 }, () => "a".repeat(60)).join("."))).toBeDefined();
    expect(hostPatternProblem(`${"a".repeat(64)}.example`)).toBeDefined();
    expect(hostPatternProblem("-a.example")).toBeDefined();
  });
});

describe("digests", () => {
  it("capabilitiesSha256 is the hex SHA-256 of JCS(capabilities)", () => {
    const caps = base();
    expect(capabilitiesSha256(caps)).toBe(toHex(sha256(canonicalBytes(caps))));
    expect(capabilitiesSha256(caps)).not.toBe(capabilitiesSha256(emptyCapabilities()));
  });
  it("toolDefinitionSha256 hashes exactly {name, description, inputSchema}", () => {
    const def = { name: "t", description: "d", inputSchema: { type: "object" } };
    expect(toolDefinitionSha256(def)).toBe(toHex(sha256(canonicalBytes(def))));
    expect(toolDefinitionSha256({ ...def, extra: 1 } as typeof def)).toBe(toolDefinitionSha256(def));
    expect(toolDefinitionSha256({ ...def, description: "changed" })).not.toBe(toolDefinitionSha256(def));
    expect(() => toolDefinitionSha256({ name: 1, description: "d", inputSchema: {} } as never)).toThrow(
      expect.objectContaining({ code: "REGISTRY_MANIFEST_INVALID" }),
    );
  });
});
