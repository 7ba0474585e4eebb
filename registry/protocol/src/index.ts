/**
 * `@agentgov/registry-protocol`: the registry's pure wire formats (REGISTRY.md §4) —
 * canonical JSON, manifests and capabilities, plugin grants, DSSE envelopes, strict Ed25519,
 * semver rules, RFC 6962 Merkle proofs, checkpoints, log entries and archive entry rules.
 * No I/O; `node:crypto` is used for hashes and constant-time comparison only.
 */
export { RegistryError, isRegistryError, type RegistryErrorCode, type RegistryErrorOptions } from "./errors.js";
export { DEFAULT_LIMITS, type ProtocolLimits } from "./limits.js";
export { toHex, fromHex, toBase64, fromBase64, bytesEqual, utf8, decodeUtf8, isWellFormed } from "./encoding.js";
export { sha256, sha512 } from "./hash.js";
export {
  canonicalJson, canonicalBytes, parseCanonicalJson, parseJsonBounded, assertNoNull,
  type CanonicalJsonOptions, type ParseCanonicalOptions, type ParseJsonOptions,
} from "./canonical-json.js";
export { isRfc3339Seconds, formatRfc3339Seconds, parseRfc3339Seconds } from "./time.js";
export {
  ED25519_PUBLIC_KEY_BYTES, ED25519_SECRET_KEY_BYTES, ED25519_SIGNATURE_BYTES,
  keyIdOf, isKeyId, publicKeyWeakness, assertStrongPublicKey, verifyEd25519, signEd25519,
  publicKeyOf, generateKeyPair, type KeyId,
} from "./ed25519.js";
export {
  STATEMENT_KINDS, payloadTypeOf, statementTypeOf, kindOfPayloadType,
  type StatementKind, type PayloadType, type StatementType,
} from "./payload-types.js";
export { pae } from "./pae.js";
export { parseEnvelope, validateEnvelope, type Envelope, type EnvelopeSignature, type ParseEnvelopeOptions } from "./envelope.js";
export { signStatement, addSignature, verifyEnvelope, type VerifyEnvelopeOptions, type VerifyEnvelopeResult } from "./dsse.js";
export {
  versionProblem, isCanonicalVersion, rangeProblem, assertCanonicalVersion, assertVersionIsNew, selectVersion,
  type RangeRules, type SelectOptions,
} from "./semver-rules.js";
export {
  MAX_NAME_LENGTH, packageNameProblem, isPublisherId, scopeOf, unscopedName, confusableKey, artifactFilename,
} from "./package-name.js";
export {
  MAX_CAPABILITY_ENTRIES, validateCapabilities, emptyCapabilities, capabilitiesSha256, toolDefinitionSha256,
  hostPatternProblem, type Capabilities, type ToolCapability, type ToolDefinition,
} from "./capabilities.js";
export {
  MANIFEST_TYPE, ENTRY_KINDS, validateManifest,
  type Manifest, type ManifestArtifact, type ManifestFile, type EntryKind,
} from "./manifest.js";
export { verifyManifestEnvelope, type VerifyManifestOptions } from "./manifest-envelope.js";
export { checkArtifact, ArtifactTree } from "./artifact-check.js";
export { PLUGIN_GRANT_TYPE, manifestSha256, grantFromManifest, emptyGrant, validateGrant, type PluginGrant } from "./grant.js";
export {
  TREE_HASH_BYTES, leafHash, entryLeafHash, nodeHash, emptyRoot, rootFromInclusionProof, verifyInclusion,
  assertInclusion, verifyConsistency, assertConsistency, type InclusionProof, type ConsistencyProof,
} from "./merkle.js";
export { merkleRoot, inclusionProof, consistencyProof } from "./merkle-tree.js";
export {
  MAX_PUBLISHER_KEYS, validateKeyBinding, validateRotate, validateRevoke, checkIssuedAt,
  type PublicKeyRef, type KeyBindingStatement, type RotateStatement, type RevokeStatement,
} from "./statements.js";
export { verifyRotateEnvelope, type VerifyRotateOptions } from "./rotation.js";
export {
  VERSION_STATUSES, MAX_INDEX_VALIDITY_SECONDS, validatePackageIndex, resolveDistTag, checkIndexUpdate,
  type PackageIndex, type IndexVersion, type IndexKey, type IndexState, type VersionStatus,
} from "./package-index.js";
export {
  noteKeyHash, formatCheckpointBody, signCheckpoint, openCheckpoint, checkCheckpointFreshness,
  type Checkpoint, type OpenCheckpointOptions, type FreshnessOptions,
} from "./checkpoint.js";
export {
  LOG_ENTRY_TYPE, LOG_ENTRY_KINDS, validateLogEntry, logEntryLeafHash, type LogEntry, type LogEntryKind,
} from "./log-entry.js";
export {
  ALLOWED_ENTRY_TYPES, ARCHIVE_ROOT, isAllowedEntryType, checkArchivePath, normalizeMode, ArchivePathSet,
  ArchiveBudget, decompressedByteCap, type ArchiveEntryType,
} from "./archive-rules.js";
export { validateYank, validateBlock, type YankStatement, type BlockStatement } from "./package-statements.js";
