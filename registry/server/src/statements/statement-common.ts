/**
 * What every statement shares (REGISTRY.md §4.5, §5.2): `registry` equals this log's origin,
 * `issuedAt` within ±10 min of now, and a statement whose payload digest is already in the log
 * is a replay. Accepted statements are stored with their log index.
 */
import {
  RegistryError, canonicalJson, checkIssuedAt, formatRfc3339Seconds, fromBase64, parseCanonicalJson, sha256, toHex, utf8,
  type Envelope, type KeyId, type LogEntry, type LogEntryKind,
} from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import type { MetaReader, MetaWriter } from "../storage/meta-store.js";
import { appendEntry } from "../log/merkle-log.js";

/** Lowercase hex SHA-256 of an envelope's payload bytes (the replay key). */
export function payloadDigest(envelope: Envelope): string {
  return toHex(sha256(fromBase64(envelope.payload) ?? new Uint8Array()));
}

/**
 * The payload of an envelope parsed before its signatures are checked (to learn which keys
 * to check them with). Never trusted: the caller verifies the envelope before acting.
 */
export function peekPayload(envelope: Envelope, maxBytes: number): unknown {
  const payload = fromBase64(envelope.payload);
  if (payload === undefined) throw new RegistryError("REGISTRY_SIGNATURE_INVALID", "not canonical base64", { path: "payload" });
  return parseCanonicalJson(payload, { maxBytes });
}

/** Checks `registry`, `issuedAt` and replay of a verified statement. */
export async function checkStatement(r: MetaReader, ctx: RegistryContext, envelope: Envelope, statement: { registry: string; issuedAt: string }): Promise<void> {
  if (statement.registry !== ctx.origin) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", `statement is for registry ${statement.registry}, not ${ctx.origin}`, { path: "registry" });
  }
  checkIssuedAt(statement.issuedAt, ctx.clock.now());
  if (await r.getStatement(payloadDigest(envelope)) !== undefined) {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", "statement already in the log (replay)");
  }
}

/**
 * Appends the statement's log entry and stores the statement; returns the log index. An
 * attestation passes its manifest digest, which the entry records as `manifestSha256`.
 */
export async function logStatement(
  tx: MetaWriter, ctx: RegistryContext, kind: LogEntryKind, envelope: Envelope,
  fields: { publisher: string; keyids: KeyId[]; name?: string; version?: string }, manifestSha256?: string,
): Promise<number> {
  const envelopeText = canonicalJson(envelope);
  const envelopeSha256 = toHex(sha256(utf8(envelopeText)));
  const entry: LogEntry = {
    _type: "agentgov/log-entry/v1", kind, publisher: fields.publisher, keyids: fields.keyids,
    envelopeSha256, integratedAt: formatRfc3339Seconds(ctx.clock.now()),
  };
  if (fields.name !== undefined) entry.name = fields.name;
  if (fields.version !== undefined) entry.version = fields.version;
  if (manifestSha256 !== undefined) entry.manifestSha256 = manifestSha256;
  const { index } = await appendEntry(tx, entry);
  // An attestation re-signs a payload already published: key it by the whole envelope.
  const key = manifestSha256 === undefined ? payloadDigest(envelope) : envelopeSha256;
  await tx.insertStatement({ sha256: key, envelopeSha256, kind, envelope: envelopeText, logIndex: index });
  return index;
}
