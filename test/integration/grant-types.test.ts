/**
 * The kernel's plugin-grant type (@agentgov/core) and the registry protocol's
 * (@agentgov/registry-protocol) must agree, though neither imports the other
 * (REGISTRY.md §4.4): checked at compile time both ways, and at run time by having each
 * side accept what the other produces.
 */
import { createKernel } from "@agentgov/core";
import { checkPluginGrant, type PluginGrant as KernelGrant } from "@agentgov/core/guards";
import { capabilitiesSha256, emptyGrant, validateGrant, type PluginGrant as ProtocolGrant } from "@agentgov/registry-protocol";
import { describe, expect, it } from "vitest";

// Compile-time agreement, enforced by `npm run typecheck` (a mismatch does not compile):
// each grant type is assignable to the other (the protocol's key ids are a template type).
type Assignable<A, B> = [A] extends [B] ? true : false;
type MustHold<T extends true> = T;
export type ProtocolGrantFitsKernel = MustHold<Assignable<ProtocolGrant, KernelGrant>>;
export type KernelGrantFitsProtocol = MustHold<Assignable<Omit<KernelGrant, "keyids"> & { keyids: ProtocolGrant["keyids"] }, ProtocolGrant>>;

const digest = "ab".repeat(32);
const unsigned = {
  _type: "agentgov/plugin-grant/v1" as const,
  plugin: "@acme/web-search",
  version: "1.4.2",
  manifestSha256: "cd".repeat(32),
  keyids: [`ed25519:${"ef".repeat(32)}`] as ProtocolGrant["keyids"],
  capabilities: {
    network: { hosts: ["api.example.com"] },
    fs: { read: ["$WORKSPACE/**"], write: [] },
    exec: ["git"],
    env: ["EXAMPLE_API_KEY"],
    tools: [{ name: "web_search", definitionSha256: digest }],
  },
  capabilitiesSha256: "",
};
const signed = { ...unsigned, capabilitiesSha256: capabilitiesSha256(unsigned.capabilities) };

describe("plugin grant types agree across core and registry-protocol", () => {
  it("the kernel accepts, as well-formed, a grant the protocol validates", () => {
    expect(validateGrant(signed)).toEqual(signed);
    const kernel = createKernel({ policies: [{ apiVersion: "agentgov/v1", name: "open", default_action: "allow" }], pluginRoots: { WORKSPACE: "/ws" } });
    const request = (grant: unknown, extra: Record<string, unknown>) => ({ agent: "a", context: { plugin: grant, ...extra } });
    expect(checkPluginGrant({ plugin: signed, tool: { name: "web_search", definitionSha256: digest } }, {})).toBeNull();
    expect(kernel.decide(request(signed, { resource: { kind: "fs", access: "read", path: "/ws/a" } }))).toMatchObject({ allowed: true });
    expect(kernel.decide(request(signed, { resource: { kind: "exec", command: "curl" } }))).toMatchObject({ code: "capability_exceeded" });
  });

  it("the kernel treats the protocol's empty grant of an unsigned plugin as well-formed, and denies everything under it", () => {
    const empty = emptyGrant("@acme/unsigned", "0.1.0");
    expect(checkPluginGrant({ plugin: empty, resource: { kind: "env", name: "HOME" } }, {})).toContain("not declared");
    expect(checkPluginGrant({ plugin: empty, tool: { name: "anything", definitionSha256: digest } }, {})).toContain("not declared");
    expect(checkPluginGrant({ plugin: empty }, {})).toBeNull();
  });
});
