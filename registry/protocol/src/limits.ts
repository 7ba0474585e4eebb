/** Default limits of REGISTRY.md §9. A client never accepts more than its own limits. */

/** Limits the protocol's parsers and validators enforce. */
export interface ProtocolLimits {
  /** Canonical manifest payload, bytes. */
  readonly manifestBytes: number;
  /** DSSE envelope, bytes. */
  readonly envelopeBytes: number;
  /** Signatures in one envelope. */
  readonly envelopeSignatures: number;
  /** JSON nesting depth. */
  readonly jsonDepth: number;
  /** Version or range string, characters. */
  readonly versionChars: number;
  /** `||` alternatives in one range. */
  readonly rangeAlternatives: number;
  /** Direct dependencies of one manifest. */
  readonly dependencies: number;
  /** Archive entries (and manifest `files`). */
  readonly entries: number;
  /** One file, bytes. */
  readonly fileBytes: number;
  /** Unpacked total, bytes. */
  readonly unpackedBytes: number;
  /** Compressed tarball, bytes. */
  readonly tarballBytes: number;
  /** Archive path, UTF-8 bytes. */
  readonly pathBytes: number;
  /** Archive path depth (segments). */
  readonly pathDepth: number;
  /** Hashes in one Merkle proof. */
  readonly proofHashes: number;
  /** Checkpoint note, bytes. */
  readonly checkpointBytes: number;
}

const MIB = 1024 * 1024;

/** The defaults of REGISTRY.md §9. */
export const DEFAULT_LIMITS: ProtocolLimits = Object.freeze({
  manifestBytes: 64 * 1024,
  envelopeBytes: 128 * 1024,
  envelopeSignatures: 32,
  jsonDepth: 32,
  versionChars: 256,
  rangeAlternatives: 16,
  dependencies: 64,
  entries: 5000,
  fileBytes: 50 * MIB,
  unpackedBytes: 100 * MIB,
  tarballBytes: 20 * MIB,
  pathBytes: 1024,
  pathDepth: 32,
  proofHashes: 64,
  checkpointBytes: 16 * 1024,
});
