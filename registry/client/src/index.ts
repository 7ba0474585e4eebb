/**
 * `@agentgov/registry-client`: encrypted publisher keys, deterministic packing, DSSE
 * signing, offline verification, the trust store, and the network half: verified registry
 * sessions, publish, install from a registry, revoke/rotate/yank and audit (REGISTRY.md §5–§8).
 */
export { agentgovHome } from "./util/home.js";
export { writeFileAtomic, type AtomicWriteOptions } from "./util/atomic-file.js";
export {
  SECRET_KEY_TYPE, SCRYPT_PARAMS, encryptSecretKey, decryptSecretKey, parseSecretKeyFile, type SecretKeyFile,
} from "./keys/secret-key-file.js";
export { publicKeyFile, parsePublicKeyFile, type PublicKeyFile } from "./keys/public-key-file.js";
export { minisignKeyId, minisignPublicKey, parseMinisignPublicKey } from "./keys/minisign.js";
export { DEFAULT_KEY_NAME, keyPaths, keygen, type KeygenOptions, type KeygenResult } from "./keys/keygen.js";
export {
  SIGNING_KEY_PREFIX, parseSigningKeyEnv, loadSigningKey, type SigningKey, type LoadSigningKeyOptions,
} from "./keys/signing-key.js";
export { MAX_YAML_BYTES, parseAuthoringYaml } from "./pack/authoring-yaml.js";
export { parseAuthoring, type Authoring, type AuthoredTool } from "./pack/authoring-manifest.js";
export { FIXED_MTIME, buildTarball, type TarballFile } from "./pack/tarball.js";
export { generatePackageJson } from "./pack/package-json.js";
export { localBaseName, manifestPathFor, envelopePathFor } from "./pack/file-names.js";
export { AUTHORING_FILE, pack, type PackOptions, type PackResult } from "./pack/pack.js";
export { sign, type SignOptions, type SignResult } from "./sign/sign.js";
export { cosign, type CosignOptions, type CosignResult } from "./sign/cosign.js";
export { DIGEST_CHUNK_BYTES, hashFile } from "./verify/tarball-digest.js";
export { verify, decideTrust, type VerifyTrust, type VerifyOptions, type VerifyResult, type VerifiedTarball } from "./verify/verify.js";
export {
  TRUST_MODES, defaultTrustStore, trustStorePath, parseTrustStore, loadTrustStore, saveTrustStore, checkMatchPattern,
  type TrustMode, type TrustPolicy, type TrustStore,
} from "./trust/trust-store.js";
export { addTrustedKey, setPolicy, removePolicy, pinTofu, pinRegistryRoot, acceptPublisher, type PolicyOptions } from "./trust/trust-edit.js";
export { matchesGlob, resolveTrust, type TrustDecision } from "./trust/resolve.js";
export * from "./install/index.js";
export * from "./remote/index.js";
