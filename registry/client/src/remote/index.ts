/** The client's network half (REGISTRY.md §6.1, §7.2, §8): sessions, publish, install, statements, audit. */
export { RegistryHttp, registryBaseUrl, errorFromResponse, type RegistryHttpOptions, type HttpRequest, type HttpResponse, type TransferProgress } from "./http-client.js";
export { RegistryState, registryStateDir } from "./registry-state.js";
export { validateRoot, roleKeys, verifyRootChain, type RegistryRoot, type RootRole, type VerifiedRoot, type RootChainOptions } from "./root-chain.js";
export { LogClient, storedCheckpoint, parseStoredCheckpoint, type StoredCheckpoint } from "./log-client.js";
export { RegistrySession, openRegistry, type OpenRegistryOptions, type VerifiedIndex } from "./session.js";
export { publisherKey, keyValidAt, provenEntry, KeyCache } from "./publisher-keys.js";
export { resolveVersion, type ResolveOptions, type Resolved } from "./resolve-version.js";
export { verifyReceipt, type VerifiedReceipt } from "./receipt.js";
export { publish, type PublishOptions, type PublishResult } from "./publish.js";
export { bindKey, block, revoke, rotate, yank, type StatementOptions, type StatementResult } from "./statements.js";
export {
  installFromRegistry, installFromLockfile, DEPENDENCY_LIMITS, type InstallFromRegistryOptions, type InstallFromRegistryResult,
  type InstallFromLockfileResult, type RemoteInstalled,
} from "./install-remote.js";
export { audit, monitor, type AuditOptions, type AuditReport, type AuditFinding, type MonitorOptions } from "./audit.js";
