/** Safe local install (REGISTRY.md §7.2–§7.4): two-pass extraction, `installLocal`, `loadInstalledPlugin`. */
export { cappedGunzip, type CappedGunzipOptions } from "./capped-gunzip.js";
export { TarHeaderWalker } from "./tar-headers.js";
export { scanArchive, extractArchive, type ScannedTree, type ExtractOptions } from "./extract.js";
export { installTrusted, type InstallTrustedOptions, type TrustedInstallResult } from "./install-trusted.js";
export {
  installLocal, loadInstalledPlugin, lockedPlugin, pluginFolderName, hashTree, assertTreeMatches,
  type TrustOptions, type InstallLocalOptions, type LoadOptions, type LockedPlugin, type InstallResult,
} from "./install.js";
export { verifyInstalled, type VerifyInstalledOptions, type VerifiedInstall } from "./verify-installed.js";
