/** Default server limits (REGISTRY.md §9). */
import { DEFAULT_LIMITS } from "@agentgov/registry-protocol";
import type { ServerLimits } from "./context.js";

const MIB = 1024 * 1024;

/** The §9 defaults. */
export const DEFAULT_SERVER_LIMITS: ServerLimits = Object.freeze({
  ...DEFAULT_LIMITS,
  publishBodyBytes: 30 * MIB,
  statementBodyBytes: 256 * 1024,
  logPage: 1000,
  indexValiditySeconds: 7 * 24 * 3600,
  indexRefreshSeconds: 24 * 3600,
  rootValiditySeconds: 365 * 24 * 3600,
});
