/**
 * A publisher's key state (REGISTRY.md §5.2): keys bound and neither removed by a rotation
 * nor revoked are active; only active keys sign publishes, yanks and rotations.
 */
import { RegistryError, type Envelope, type KeyId } from "@agentgov/registry-protocol";
import type { KeyRow, MetaReader, PublisherRow } from "../storage/meta-store.js";

/** The publisher, its threshold and active keys. */
export interface PublisherKeys {
  publisher: PublisherRow;
  all: KeyRow[];
  active: KeyRow[];
}

/** True for a key that may sign now. */
export function isActive(key: KeyRow): boolean {
  return key.removedIdx === undefined && key.revokedIdx === undefined;
}

/** Loads the key state of `publisher`; an unknown publisher or one without keys is `REGISTRY_UNTRUSTED_KEY`. */
export async function publisherKeys(r: MetaReader, publisher: string): Promise<PublisherKeys> {
  const row = await r.getPublisher(publisher);
  if (row === undefined) throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `publisher ${publisher} is unknown`);
  const all = await r.listKeys(publisher);
  const active = all.filter(isActive);
  if (active.length === 0) throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `publisher ${publisher} has no active key`);
  return { publisher: row, all, active };
}

/**
 * Throws `REGISTRY_KEY_REVOKED` when a signature of `envelope` names a revoked key of the
 * publisher (so the error names the real cause rather than "untrusted").
 */
export function refuseRevokedSigners(envelope: Envelope, keys: PublisherKeys): void {
  const revoked = new Set<KeyId>(keys.all.filter((k) => k.revokedIdx !== undefined).map((k) => k.keyid));
  const hit = envelope.signatures.find((s) => revoked.has(s.keyid));
  if (hit !== undefined) throw new RegistryError("REGISTRY_KEY_REVOKED", `${hit.keyid} is revoked`);
}
