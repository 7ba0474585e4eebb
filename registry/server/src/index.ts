/**
 * @agentgov/registry-server — the plugin registry (REGISTRY.md §6). Work in progress.
 * @packageDocumentation
 */
export const REGISTRY_SERVER_API_VERSION = "v1";
