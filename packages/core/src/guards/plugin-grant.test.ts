import { describe, expect, it } from "vitest";
import { createKernel } from "../kernel/create-kernel.js";
import type { DecisionRequest } from "../policy/types.js";
import type { PluginGrant } from "./plugin-grant.js";

const digest = "a".repeat(64);
const grant: PluginGrant = {
  _type: "agentgov/plugin-grant/v1",
  plugin: "@acme/web-search",
  version: "1.4.2",
  manifestSha256: "b".repeat(64),
  keyids: ["ed25519:abc"],
  capabilities: {
    network: { hosts: ["api.example.com", "*.cdn.example.com", "internal.example.com:8443"] },
    fs: { read: ["$WORKSPACE/**", "$PLUGIN_DIR/**"], write: ["$PLUGIN_DATA/cache.json"] },
    exec: ["git"],
    env: ["EXAMPLE_API_KEY"],
    tools: [{ name: "web_search", definitionSha256: digest }],
  },
  capabilitiesSha256: "c".repeat(64),
};

const allowAll = { apiVersion: "agentgov/v1" as const, name: "open", default_action: "allow" as const };
const kernel = createKernel({
  policies: [allowAll, { apiVersion: "agentgov/v1", name: "narrow", default_action: "allow", rules: [{ name: "no-git-push", condition: "args.sub == 'push'", action: "deny" }] }],
  pluginRoots: { WORKSPACE: "/work/ws", PLUGIN_DIR: "/plugins/acme/1.4.2", PLUGIN_DATA: "/data/acme" },
});

const call = (extra: Record<string, unknown>, g: unknown = grant): DecisionRequest => ({
  agent: "bot",
  context: { plugin: g, tool: { name: "web_search", definitionSha256: digest }, args: {}, ...extra },
});

describe("plugin grants in the kernel", () => {
  it.each([
    ["a declared tool with its pinned definition", {}],
    ["a declared host (port 443 implied)", { resource: { kind: "network", host: "api.example.com" } }],
    ["a subdomain of a wildcard host", { resource: { kind: "network", host: "img.cdn.example.com", port: 443 } }],
    ["a host with its declared port", { resource: { kind: "network", host: "internal.example.com", port: 8443 } }],
    ["a read inside $WORKSPACE", { resource: { kind: "fs", access: "read", path: "/work/ws/src/a.ts" } }],
    ["a read of $PLUGIN_DIR itself", { resource: { kind: "fs", access: "read", path: "/plugins/acme/1.4.2" } }],
    ["the one writable file", { resource: { kind: "fs", access: "write", path: "/data/acme/cache.json" } }],
    ["a declared command and env name", { resources: [{ kind: "exec", command: "git" }, { kind: "env", name: "EXAMPLE_API_KEY" }] }],
  ])("lets policies decide %s", (_what, extra) => {
    expect(kernel.decide(call(extra))).toMatchObject({ allowed: true, code: "default" });
  });

  it.each([
    ["an undeclared tool", { tool: { name: "shell", definitionSha256: digest } }, "tool 'shell' is not declared"],
    ["a drifted tool definition", { tool: { name: "web_search", definitionSha256: "d".repeat(64) } }, "drifted"],
    ["a tool without its definition digest", { tool: { name: "web_search" } }, "no definition digest"],
    ["an undeclared host", { resource: { kind: "network", host: "evil.example.net" } }, "not declared"],
    ["the apex of a wildcard host", { resource: { kind: "network", host: "cdn.example.com" } }, "not declared"],
    ["a declared host on another port", { resource: { kind: "network", host: "api.example.com", port: 80 } }, "not declared"],
    ["a read outside the roots", { resource: { kind: "fs", access: "read", path: "/etc/passwd" } }, "not declared"],
    ["a path escaping with ..", { resource: { kind: "fs", access: "read", path: "/work/ws/../../etc/passwd" } }, "normalised"],
    ["a sibling that shares a prefix", { resource: { kind: "fs", access: "read", path: "/work/ws-secrets/key" } }, "not declared"],
    ["a write to a read-only tree", { resource: { kind: "fs", access: "write", path: "/work/ws/a.ts" } }, "not declared"],
    ["an undeclared command", { resource: { kind: "exec", command: "curl" } }, "not declared"],
    ["a command given as a path", { resource: { kind: "exec", command: "/tmp/evil/git" } }, "basename"],
    ["an undeclared env name", { resource: { kind: "env", name: "AWS_SECRET_ACCESS_KEY" } }, "not declared"],
    ["an unknown resource kind", { resource: { kind: "socket" } }, "unknown resource kind"],
    ["one bad resource among good ones", { resources: [{ kind: "exec", command: "git" }, { kind: "env", name: "HOME" }] }, "'HOME'"],
  ])("denies %s with capability_exceeded, before any policy", (_what, extra, why) => {
    const d = kernel.decide(call(extra));
    expect(d).toMatchObject({ allowed: false, action: "deny", code: "capability_exceeded", matched_rule: null });
    expect(d.reason).toContain(why);
  });

  it.each([
    ["no grant object", "yes"],
    ["another _type", { ...grant, _type: "x" }],
    ["a missing capability key", { ...grant, capabilities: { ...grant.capabilities, env: undefined } }],
    ["a writable $PLUGIN_DIR", { ...grant, capabilities: { ...grant.capabilities, fs: { read: [], write: ["$PLUGIN_DIR/x"] } } }],
    ["a path outside the variables", { ...grant, capabilities: { ...grant.capabilities, fs: { read: ["/etc/**"], write: [] } } }],
    ["a bare * host", { ...grant, capabilities: { ...grant.capabilities, network: { hosts: ["*"] } } }],
  ])("denies a malformed grant (%s)", (_what, bad) => {
    expect(kernel.decide(call({}, bad))).toMatchObject({ allowed: false, code: "capability_exceeded", reason: expect.stringContaining("malformed plugin grant") as unknown });
  });

  it("lets policies only narrow inside the grant", () => {
    expect(kernel.decide(call({ resource: { kind: "exec", command: "git" }, args: { sub: "push" } }))).toMatchObject({ allowed: false, code: "rule", matched_rule: "no-git-push" });
  });

  it("matches no fs capability when the host gave no roots (fail closed)", () => {
    const bare = createKernel({ policies: [allowAll] });
    expect(bare.decide(call({ resource: { kind: "fs", access: "read", path: "/work/ws/a" } }))).toMatchObject({ code: "capability_exceeded" });
  });

  it("denies everything but policy-free requests for an empty (unsigned) grant", () => {
    const empty: PluginGrant = { ...grant, capabilities: { network: { hosts: [] }, fs: { read: [], write: [] }, exec: [], env: [], tools: [] } };
    expect(kernel.decide(call({}, empty))).toMatchObject({ code: "capability_exceeded" });
  });
});
