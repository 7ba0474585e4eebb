/** Safe local install (REGISTRY.md §7.2–§7.4): two-pass extraction, `installLocal`, `installUnsigned`, `loadInstalledPlugin`. */
export { cappedGunzip, type CappedGunzipOptions } from "./capped-gunzip.js";
export { TarHeaderWalker } from "./tar-headers.js";
export { scanArchive, extractArchive, type ScannedTree, type ExtractOptions } from "./extract.js";
export { installTrusted, type InstallTrustedOptions, type TrustedInstallResult } from "./install-trusted.js";
export {
  installLocal, loadInstalled, loadInstalledPlugin, lockedPlugin, pluginFolderName, hashTree, assertTreeMatches,
  type TrustOptions, type InstallLocalOptions, type LoadOptions, type LoadedPlugin, type LockedPlugin, type InstallResult,
} from "./install.js";
export { installUnsigned, type InstallUnsignedOptions, type UnsignedInstallResult } from "./install-unsigned.js";
export { UNSIGNED_TREE_TYPE, UNSIGNED_TREE_FILE, type UnsignedTree } from "./unsigned-tree.js";
export { verifyInstalled, type VerifyInstalledOptions, type VerifiedInstall } from "./verify-installed.js";
