/** Safe local install (REGISTRY.md §7.2–§7.4): two-pass extraction, `installLocal`, `loadInstalledPlugin`. */
export { cappedGunzip, type CappedGunzipOptions } from "./capped-gunzip.js";
export { TarHeaderWalker } from "./tar-headers.js";
export { scanArchive, extractArchive, type ScannedTree } from "./extract.js";
export {
  installLocal, loadInstalledPlugin, pluginFolderName, hashTree, assertTreeMatches,
  type TrustOptions, type InstallLocalOptions, type LoadOptions, type LockedPlugin, type InstallResult,
} from "./install.js";
