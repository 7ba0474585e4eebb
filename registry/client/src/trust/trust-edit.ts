/**
 * Edits of a {@link TrustStore} behind `agentgov plugin trust add|rm|accept` (REGISTRY.md §5.3).
 * Each returns a new, validated store; the caller saves it.
 */
import { RegistryError, assertStrongPublicKey, isPublisherId, keyIdOf, toBase64, type KeyId } from "@agentgov/registry-protocol";
import { checkMatchPattern, parseTrustStore, type TrustMode, type TrustStore } from "./trust-store.js";

function copy(store: TrustStore): TrustStore {
  return structuredClone(store);
}

/** Adds (or re-labels) a public key; weak, small-order or non-canonical keys are `REGISTRY_WEAK_KEY`. */
export function addTrustedKey(store: TrustStore, publicKey: Uint8Array, publisher?: string): { store: TrustStore; keyid: KeyId } {
  assertStrongPublicKey(publicKey);
  if (publisher !== undefined && !isPublisherId(publisher)) throw new RegistryError("REGISTRY_REQUEST_INVALID", `bad publisher '${publisher}'`);
  const next = copy(store);
  const keyid = keyIdOf(publicKey);
  next.keys[keyid] = publisher === undefined ? { publicKey: toBase64(publicKey) } : { publicKey: toBase64(publicKey), publisher };
  return { store: parseTrustStore(next), keyid };
}

/** Options of {@link setPolicy}. */
export interface PolicyOptions {
  mode: TrustMode;
  /** `pinned`: accepted key ids (in the store's keys). */
  keyids?: KeyId[];
  /** `pinned`: distinct signers required. */
  threshold?: number;
}

/**
 * Puts a policy for `match` first (replacing one with the same glob), so it wins over
 * broader ones added earlier.
 */
export function setPolicy(store: TrustStore, match: string, options: PolicyOptions): TrustStore {
  checkMatchPattern(match);
  const next = copy(store);
  next.policies = next.policies.filter((p) => p.match !== match);
  const policy = options.mode === "pinned"
    ? { match, mode: options.mode, keyids: options.keyids ?? [], threshold: options.threshold ?? 1 }
    : { match, mode: options.mode };
  next.policies.unshift(policy);
  try {
    return parseTrustStore(next);
  } catch (error) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", error instanceof Error ? error.message : "invalid policy", { cause: error });
  }
}

/** Removes the policy for `match`; `REGISTRY_REQUEST_INVALID` when there is none. */
export function removePolicy(store: TrustStore, match: string): TrustStore {
  const next = copy(store);
  next.policies = next.policies.filter((p) => p.match !== match);
  if (next.policies.length === store.policies.length) throw new RegistryError("REGISTRY_REQUEST_INVALID", `no policy for '${match}'`);
  return next;
}

/**
 * `trust registry <url> --root-sha256 <hex>`: pins root 1 of the registry at `url` (already in
 * canonical form, see `registryBaseUrl`); the session refuses any other root chain.
 */
export function pinRegistryRoot(store: TrustStore, url: string, rootSha256: string): TrustStore {
  if (!/^[0-9a-f]{64}$/.test(rootSha256)) throw new RegistryError("REGISTRY_REQUEST_INVALID", "--root-sha256 takes 64 lowercase hex digits");
  const next = copy(store);
  next.registries[url] = { rootSha256 };
  return parseTrustStore(next);
}

/** Records the TOFU pin of a publisher's key set (after its first committed install). */
export function pinTofu(store: TrustStore, publisher: string, keyids: readonly KeyId[], logIndex?: number): TrustStore {
  const next = copy(store);
  next.tofu[publisher] = logIndex === undefined ? { keyids: [...keyids] } : { keyids: [...keyids], logIndex };
  return parseTrustStore(next);
}

/** `trust accept <publisher>`: forgets the TOFU pin, so the next install pins the current keys. */
export function acceptPublisher(store: TrustStore, publisher: string): TrustStore {
  if (store.tofu[publisher] === undefined) throw new RegistryError("REGISTRY_REQUEST_INVALID", `no TOFU pin for '${publisher}'`);
  const next = copy(store);
  next.tofu = Object.fromEntries(Object.entries(next.tofu).filter(([p]) => p !== publisher));
  return next;
}
