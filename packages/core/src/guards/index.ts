/** `@agentgov/core/guards`: operator controls checked before policies. */
export { createKillSwitch, createQuarantine, MAX_KILLED_AGENTS, MAX_QUARANTINED_AGENTS } from "./kill-switch.js";
export type { AgentKillSwitch, KillSwitch, Quarantine } from "./kill-switch.js";
export { checkPluginGrant } from "./plugin-grant.js";
export type { PluginCapabilities, PluginGrant, PluginResource, PluginRoots } from "./plugin-grant.js";
