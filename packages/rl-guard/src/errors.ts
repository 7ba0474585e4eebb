/** Typed rl-guard errors: {@link AgentGovError}s with stable `RL_*` codes (RL-GUARD.md §11). */
import { AgentGovError, isAgentGovError } from "@agentgov/core";

/** Stable rl-guard error codes. */
export const RL_ERROR_CODES = [
  "RL_CONFIG_INVALID",
  "RL_KILLED",
  "RL_SIGNER_UNAVAILABLE",
  "RL_CONTROLLER_UNREACHABLE",
  "RL_EXECUTED_AFTER_DENY",
  "RL_INTEGRITY_FAILED",
  "RL_INVALID_STATE",
] as const;
/** One rl-guard error code. */
export type RlErrorCode = (typeof RL_ERROR_CODES)[number];

/** Exit code of a process stopped by the kill switch. */
export const RL_EXIT_KILLED = 86;

/** Creates an {@link AgentGovError} with an `RL_*` code. */
export function rlError(code: RlErrorCode, message: string, options?: { cause?: unknown }): AgentGovError {
  return new AgentGovError(code, message, options);
}

/** True when `error` is an agentgov error with the given rl-guard code. */
export function isRlError(error: unknown, code: RlErrorCode): boolean {
  return isAgentGovError(error) && error.code === code;
}
