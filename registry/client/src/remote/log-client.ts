/**
 * The log half of a registry session (REGISTRY.md §4.8): fetch and verify the signed
 * checkpoint (signature by the root's `log` role, freshness, never smaller than the stored
 * one, consistency proof from it), prove that another tree head (an index's) is a prefix of
 * the verified one, and prove a log entry's inclusion against it.
 */
import {
  RegistryError, assertConsistency, assertInclusion, bytesEqual, checkCheckpointFreshness, entryLeafHash, fromBase64,
  openCheckpoint, toBase64, type Checkpoint, type ConsistencyProof, type InclusionProof,
} from "@agentgov/registry-protocol";
import type { RegistryHttp } from "./http-client.js";

const PROOF_BYTES = 16 * 1024;

/** A checkpoint as stored by the client (verified when it was stored). */
export interface StoredCheckpoint {
  size: number;
  /** Base64 root hash. */
  root: string;
  timestamp: number;
}

/** JSON form of a checkpoint for the client state. */
export function storedCheckpoint(cp: Checkpoint): StoredCheckpoint {
  return { size: cp.size, root: toBase64(cp.rootHash), timestamp: cp.timestamp };
}

/** Parses the stored form back (`REGISTRY_STORE_CORRUPT` when malformed). */
export function parseStoredCheckpoint(text: string, origin: string): Checkpoint {
  let value: Partial<StoredCheckpoint> | null;
  try {
    value = JSON.parse(text) as Partial<StoredCheckpoint> | null;
  } catch (cause) {
    throw new RegistryError("REGISTRY_STORE_CORRUPT", "stored checkpoint is not JSON", { cause });
  }
  const rootHash = typeof value?.root === "string" ? fromBase64(value.root) : undefined;
  if (rootHash?.byteLength !== 32 || !Number.isSafeInteger(value?.size) || !Number.isSafeInteger(value?.timestamp)) {
    throw new RegistryError("REGISTRY_STORE_CORRUPT", "stored checkpoint is invalid");
  }
  return { origin, size: value?.size as number, rootHash, timestamp: value?.timestamp as number };
}

function hashes(value: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(value) || value.length > 64) throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `${what}: malformed hashes`);
  return value.map((h) => {
    const raw = typeof h === "string" ? fromBase64(h) : undefined;
    if (raw?.byteLength !== 32) throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `${what}: malformed hash`);
    return raw;
  });
}

/** Verified log state for one session. */
export class LogClient {
  #checkpoint: Checkpoint | undefined;

  constructor(
    private readonly http: RegistryHttp,
    private readonly origin: string,
    private readonly logKey: Uint8Array,
    private readonly previous: Checkpoint | undefined,
    private readonly now: () => number,
  ) {}

  /** The verified checkpoint (after {@link refresh}). */
  get checkpoint(): Checkpoint {
    if (this.#checkpoint === undefined) throw new Error("checkpoint not verified yet");
    return this.#checkpoint;
  }

  /**
   * Fetches and verifies the newest checkpoint: signature, freshness, not below (nor forked
   * from) the last verified one, and a consistency proof from it.
   */
  async refresh(): Promise<Checkpoint> {
    const { body } = await this.http.request({ method: "GET", path: "/v1/log/checkpoint", maxBytes: 16 * 1024 });
    const cp = openCheckpoint(new Uint8Array(body), { origin: this.origin, publicKey: this.logKey });
    const base = this.#checkpoint ?? this.previous;
    checkCheckpointFreshness(cp, { now: this.now(), ...(base === undefined ? {} : { previous: base }) });
    if (base !== undefined && base.size > 0 && cp.size > base.size) await this.#assertPrefix(base.size, base.rootHash, cp);
    this.#checkpoint = cp;
    return cp;
  }

  async #assertPrefix(size: number, root: Uint8Array, cp: Checkpoint): Promise<void> {
    const { value } = await this.http.getJson(`/v1/log/proof/consistency?from=${String(size)}&to=${String(cp.size)}`, PROOF_BYTES)
      .catch((cause: unknown) => { throw new RegistryError("REGISTRY_LOG_FORK", `no consistency proof from tree ${String(size)} to ${String(cp.size)}`, { cause }); });
    const v = value as { firstSize?: unknown; secondSize?: unknown; hashes?: unknown } | null;
    if (v?.firstSize !== size || v.secondSize !== cp.size) throw new RegistryError("REGISTRY_LOG_FORK", "consistency proof for other tree sizes");
    const proof: ConsistencyProof = { firstSize: size, secondSize: cp.size, hashes: hashes(v.hashes, "consistency proof") };
    assertConsistency(proof, root, cp.rootHash);
  }

  /**
   * Proves that the tree head `{size, root}` (e.g. an index's) is a prefix of the verified
   * checkpoint; a head beyond it re-fetches the checkpoint once. Any failure is `REGISTRY_LOG_FORK`.
   */
  async assertConsistentHead(size: number, rootB64: string): Promise<void> {
    const root = fromBase64(rootB64);
    if (root?.byteLength !== 32) throw new RegistryError("REGISTRY_LOG_FORK", "tree head root is malformed");
    let cp = this.checkpoint;
    if (size > cp.size) cp = await this.refresh();
    if (size > cp.size) throw new RegistryError("REGISTRY_LOG_FORK", `tree head of size ${String(size)} is beyond the checkpoint (${String(cp.size)})`);
    if (size === cp.size) {
      if (!bytesEqual(root, cp.rootHash)) throw new RegistryError("REGISTRY_LOG_FORK", `two roots for tree size ${String(size)}`);
      return;
    }
    if (size === 0) return;
    await this.#assertPrefix(size, root, cp);
  }

  /** Proves that `entry` is leaf `index` of the verified checkpoint's tree (`REGISTRY_LOG_PROOF_INVALID`). */
  async assertIncluded(index: number, entry: unknown): Promise<void> {
    const cp = this.checkpoint;
    if (index >= cp.size) throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `log entry ${String(index)} is not covered by the checkpoint`);
    const { value } = await this.http.getJson(`/v1/log/proof/inclusion?index=${String(index)}&size=${String(cp.size)}`, PROOF_BYTES)
      .catch((cause: unknown) => { throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `no inclusion proof for log entry ${String(index)}`, { cause }); });
    const v = value as { leafIndex?: unknown; treeSize?: unknown; hashes?: unknown } | null;
    if (v?.leafIndex !== index || v.treeSize !== cp.size) throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", "inclusion proof for another leaf or size");
    const proof: InclusionProof = { leafIndex: index, treeSize: cp.size, hashes: hashes(v.hashes, "inclusion proof") };
    assertInclusion(entryLeafHash(entry), proof, cp.rootHash);
  }

  /** Fetches log entries `[start, end)` (pages of ≤ 1000), strictly parsed but not yet proven. */
  async entries(start: number, end: number): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let at = start; at < end; at += 1000) {
      const to = Math.min(end, at + 1000);
      const { value } = await this.http.getJson(`/v1/log/entries?start=${String(at)}&end=${String(to)}`, 16 * 1024 * 1024);
      const v = value as { entries?: unknown; start?: unknown } | null;
      if (!Array.isArray(v?.entries) || v.start !== at || v.entries.length !== to - at) {
        throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `log entries page ${String(at)} is malformed`);
      }
      out.push(...(v.entries as unknown[]));
    }
    return out;
  }
}
