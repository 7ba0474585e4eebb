/**
 * Publisher public keys from the log (REGISTRY.md §5.2, §7.2 step 4): the signed index lists
 * a key's id and the log index of the entry that bound it (`boundAt`); the client fetches that
 * entry, proves its inclusion in the verified checkpoint, fetches the statement it names
 * (`GET /v1/statements/<envelopeSha256>`, digest checked), and takes the key from the
 * `key-binding` or `rotate` payload, whose key id must be the key's SHA-256. A key the index
 * marks revoked has its `revoke` entry proven the same way (`provenRevocation`).
 */
import {
  RegistryError, bytesEqual, fromBase64, fromHex, keyIdOf, parseCanonicalJson, parseEnvelope, sha256, validateKeyBinding,
  validateLogEntry, validateRevoke, validateRotate, type IndexKey, type KeyId,
} from "@agentgov/registry-protocol";
import type { RegistrySession } from "./session.js";

const STATEMENT_BYTES = 128 * 1024;

/** Fetches one log entry and proves its inclusion in the session's checkpoint. */
export async function provenEntry(session: RegistrySession, index: number): Promise<ReturnType<typeof validateLogEntry>> {
  const [raw] = await session.log.entries(index, index + 1);
  const entry = validateLogEntry(raw);
  await session.log.assertIncluded(index, entry);
  return entry;
}

/** The canonical payload of the statement a log entry names, its envelope checked against the entry's digest. */
async function statementOf(session: RegistrySession, index: number, envelopeSha256: string): Promise<unknown> {
  const { body } = await session.http.request({ method: "GET", path: `/v1/statements/${envelopeSha256}`, maxBytes: STATEMENT_BYTES });
  if (!bytesEqual(sha256(body), fromHex(envelopeSha256) ?? new Uint8Array())) {
    throw new RegistryError("REGISTRY_DIGEST_MISMATCH", `statement of log entry ${String(index)} does not match its digest`);
  }
  const envelope = parseEnvelope(new Uint8Array(body), { maxBytes: STATEMENT_BYTES });
  return parseCanonicalJson(fromBase64(envelope.payload) ?? new Uint8Array(), { maxBytes: STATEMENT_BYTES });
}

/**
 * Proves the index's revocation of `key` (§7.2 step 4): the entry at `revokedAt` is included
 * in the verified checkpoint, is a `revoke` of this key by `publisher`, and its statement's
 * `compromisedSince` (default: the entry's own index) equals the index's. Anything else is
 * `REGISTRY_LOG_PROOF_INVALID`: the index may not move a compromise boundary the log does not show.
 */
export async function provenRevocation(session: RegistrySession, publisher: string, key: IndexKey): Promise<void> {
  const at = key.revokedAt;
  if (at === undefined) return;
  const entry = await provenEntry(session, at);
  if (entry.kind !== "revoke" || entry.publisher !== publisher || !entry.keyids.includes(key.keyid) || entry.envelopeSha256 === undefined) {
    throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `log entry ${String(at)} is not the revocation of ${key.keyid}`);
  }
  const statement = validateRevoke(await statementOf(session, at, entry.envelopeSha256));
  if (statement.keyid !== key.keyid || statement.publisher !== publisher || (statement.compromisedSince ?? at) !== (key.compromisedSince ?? at)) {
    throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `the index's revocation of ${key.keyid} differs from log entry ${String(at)}`);
  }
}

/** The public key of `key` for `publisher`, proven through the log. */
export async function publisherKey(session: RegistrySession, publisher: string, key: IndexKey): Promise<Uint8Array> {
  const entry = await provenEntry(session, key.boundAt);
  if ((entry.kind !== "bind" && entry.kind !== "rotate") || entry.publisher !== publisher || !entry.keyids.includes(key.keyid) ||
    entry.envelopeSha256 === undefined) {
    throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `log entry ${String(key.boundAt)} does not bind ${key.keyid} to ${publisher}`);
  }
  const payload = await statementOf(session, key.boundAt, entry.envelopeSha256);
  const candidates = entry.kind === "bind"
    ? [validateKeyBinding(payload).publicKey]
    : validateRotate(payload).add.filter((ref) => ref.keyid === key.keyid).map((ref) => ref.publicKey);
  for (const text of candidates) {
    const raw = fromBase64(text);
    if (raw !== undefined && keyIdOf(raw) === key.keyid) return raw;
  }
  throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `statement of log entry ${String(key.boundAt)} does not carry ${key.keyid}`);
}

/**
 * Whether a signature by `key` is valid for a version logged at `logIndex` (§5.2): bound
 * strictly before it and, if revoked, logged strictly below `compromisedSince` (default: the
 * revocation's own index).
 */
export function keyValidAt(key: IndexKey, logIndex: number): "ok" | "not-bound" | "revoked" {
  if (key.boundAt >= logIndex) return "not-bound";
  if (key.revokedAt === undefined) return "ok";
  return logIndex < (key.compromisedSince ?? key.revokedAt) ? "ok" : "revoked";
}

/** Public keys for `keyids` (cached per session). */
export class KeyCache {
  readonly #keys = new Map<KeyId, Uint8Array>();
  constructor(private readonly session: RegistrySession) {}

  readonly #revocations = new Set<KeyId>();

  /** {@link provenRevocation}, once per key and session. */
  async assertRevocation(publisher: string, key: IndexKey): Promise<void> {
    if (key.revokedAt === undefined || this.#revocations.has(key.keyid)) return;
    await provenRevocation(this.session, publisher, key);
    this.#revocations.add(key.keyid);
  }

  /** The proven public key of `key` (see {@link publisherKey}). */
  async get(publisher: string, key: IndexKey): Promise<Uint8Array> {
    const hit = this.#keys.get(key.keyid);
    if (hit !== undefined) return hit;
    const raw = await publisherKey(this.session, publisher, key);
    this.#keys.set(key.keyid, raw);
    return raw;
  }
}
