/**
 * `kernelFromEnv`: a local kernel, or the remote kernel when the environment names a
 * sidecar. `createKernel` and `govern` never read the environment themselves: a process
 * whose policies silently moved elsewhere because of a variable would be a surprise, so
 * the switch is this one explicit call.
 */
import { AgentGovError } from "../errors.js";
import { createKernel } from "../kernel/create-kernel.js";
import type { Kernel, KernelOptions } from "../kernel/types.js";
import type { RemoteKernelOptions } from "./options.js";
import { remoteKernel } from "./remote-kernel.js";

/** Names the sidecar's base URL (`http://127.0.0.1:8080`). */
export const ENDPOINT_VARIABLE = "AGENTGOV_ENDPOINT";
/** The bearer token for the sidecar (scope `decide`). */
export const TOKEN_VARIABLE = "AGENTGOV_TOKEN";
/** Optional: the remote kernel's `timeoutMs`. */
export const TIMEOUT_VARIABLE = "AGENTGOV_TIMEOUT_MS";

/** Options of {@link kernelFromEnv}: the local kernel's, plus the environment to read. */
export interface KernelFromEnvOptions extends KernelOptions {
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Extra options for the remote kernel (`journal`, `maxAnswerBytes`, …). */
  remote?: Omit<RemoteKernelOptions, "endpoint" | "token" | "timeoutMs">;
}

/**
 * With `AGENTGOV_ENDPOINT` set (and `AGENTGOV_TOKEN`, `AGENTGOV_TIMEOUT_MS` optionally):
 * a `remoteKernel` on that sidecar, with `approvals`, `approvalTimeoutMs`, `killSwitch`,
 * `quarantine` and `clock` carried over (policy and audit options are the sidecar's, and
 * are ignored). Without it: `createKernel(options)`. Throws `INVALID_OPTIONS` for a
 * malformed endpoint, token or timeout.
 *
 * @example const kernel = kernelFromEnv({ policies: ["policy.yaml"] }); // local unless AGENTGOV_ENDPOINT is set
 */
export function kernelFromEnv(options: KernelFromEnvOptions = {}): Kernel {
  const { env = process.env, remote, ...local } = options;
  const endpoint = env[ENDPOINT_VARIABLE];
  if (endpoint === undefined || endpoint === "") return createKernel(local);
  const timeout = env[TIMEOUT_VARIABLE];
  if (timeout !== undefined && timeout !== "" && !/^\d{1,9}$/.test(timeout)) throw new AgentGovError("INVALID_OPTIONS", `${TIMEOUT_VARIABLE} must be a whole number of milliseconds`);
  const token = env[TOKEN_VARIABLE];
  const opts: RemoteKernelOptions = { ...remote, endpoint };
  if (token !== undefined && token !== "") opts.token = token;
  if (timeout !== undefined && timeout !== "") opts.timeoutMs = Number(timeout);
  if (local.approvals !== undefined) opts.approvals = local.approvals;
  if (local.approvalTimeoutMs !== undefined) opts.approvalTimeoutMs = local.approvalTimeoutMs;
  if (local.killSwitch !== undefined) opts.killSwitch = local.killSwitch;
  if (local.quarantine !== undefined) opts.quarantine = local.quarantine;
  if (local.clock !== undefined) opts.clock = local.clock;
  return remoteKernel(opts);
}
