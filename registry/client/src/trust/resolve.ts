/**
 * Which keys may sign a package under a {@link TrustStore} (REGISTRY.md §5.3), offline.
 * The first policy whose glob matches wins; no match is `REGISTRY_UNTRUSTED_KEY`.
 *
 * - `pinned`: exactly the policy's key ids and threshold.
 * - `tofu`: a pinned publisher's key set; a signer outside it is `REGISTRY_KEY_CHANGED`
 *   (until `trust accept`). Without a pin, the store's keys labelled with the publisher are
 *   accepted and the result says `firstUse`, so the installer pins them after committing.
 * - `registry`: the store's keys labelled with the publisher (offline stand-in for the
 *   registry's current binding).
 */
import { RegistryError, fromBase64, type KeyId } from "@agentgov/registry-protocol";
import type { TrustMode, TrustStore } from "./trust-store.js";

/** The keys and threshold a signature must meet for one package. */
export interface TrustDecision {
  mode: TrustMode;
  /** The matching policy's glob. */
  match: string;
  trustedKeys: Uint8Array[];
  threshold: number;
  /** `tofu` without a pin yet: pin the signers after the install commits. */
  firstUse: boolean;
}

/** True when `glob` (`*` = any run of characters) matches the whole `name`. */
export function matchesGlob(glob: string, name: string): boolean {
  const parts = glob.split("*");
  if (parts.length === 1) return glob === name;
  const first = parts[0] ?? "";
  const last = parts[parts.length - 1] ?? "";
  if (!name.startsWith(first) || !name.endsWith(last) || name.length < first.length + last.length) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = name.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return at <= end;
}

/** Resolves the trust decision for `name` published by `publisher`, signed by `signers`. */
export function resolveTrust(store: TrustStore, name: string, publisher: string, signers: readonly KeyId[]): TrustDecision {
  const policy = store.policies.find((p) => matchesGlob(p.match, name));
  if (policy === undefined) throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `no trust policy matches ${name}`);
  const keysOf = (ids: readonly KeyId[]): Uint8Array[] => ids.flatMap((id) => {
    const entry = store.keys[id];
    const raw = entry === undefined ? undefined : fromBase64(entry.publicKey);
    return raw === undefined ? [] : [raw];
  });
  const publisherKeys = (): KeyId[] => (Object.keys(store.keys) as KeyId[]).filter((id) => store.keys[id]?.publisher === publisher);
  const base = { mode: policy.mode, match: policy.match };
  switch (policy.mode) {
    case "pinned":
      return { ...base, trustedKeys: keysOf(policy.keyids ?? []), threshold: policy.threshold ?? 1, firstUse: false };
    case "tofu": {
      const pin = store.tofu[publisher];
      if (pin !== undefined) {
        const changed = signers.find((id) => !pin.keyids.includes(id));
        if (changed !== undefined) {
          throw new RegistryError("REGISTRY_KEY_CHANGED", `${publisher} is pinned to other keys; ${changed} is new (run trust accept ${publisher})`);
        }
        return { ...base, trustedKeys: keysOf(pin.keyids), threshold: 1, firstUse: false };
      }
      return { ...base, trustedKeys: keysOf(publisherKeys()), threshold: 1, firstUse: true };
    }
    case "registry":
      return { ...base, trustedKeys: keysOf(publisherKeys()), threshold: 1, firstUse: false };
  }
}
