/** The remote kernel: the Kernel contract against a governance sidecar (`agentgov serve`). */
export { remoteKernel, DECIDE_PATH } from "./remote-kernel.js";
export { remoteApprovalHandler, APPROVAL_POLL_MS } from "./approval-handler.js";
export type { RemoteApprovalHandlerOptions } from "./approval-handler.js";
export { kernelFromEnv, ENDPOINT_VARIABLE, TOKEN_VARIABLE, TIMEOUT_VARIABLE } from "./from-env.js";
export type { KernelFromEnvOptions } from "./from-env.js";
export { DEFAULT_REMOTE_TIMEOUT_MS, DEFAULT_MAX_ANSWER_BYTES } from "./options.js";
export type { RemoteKernel, RemoteKernelOptions, RemoteKernelStats } from "./options.js";
export { REMOTE_FAILURE_CODES } from "./failure.js";
export type { RemoteFailureCode } from "./failure.js";
