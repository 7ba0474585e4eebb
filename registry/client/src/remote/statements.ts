/**
 * Signed lifecycle statements posted to a registry (REGISTRY.md §5.2): `revoke` (optionally
 * with `compromisedSince`), `rotate` (signed by the current threshold and every added key) and
 * `yank`, and the admin's `block`. Statements are built with the protocol's types and `signStatement`, carry the
 * registry's log origin (from the verified root) and `issuedAt`, and succeed only with a
 * verified receipt whose entry is this statement (`envelopeSha256`).
 */
import {
  canonicalJson, formatRfc3339Seconds, keyIdOf, publicKeyOf, sha256, signStatement, toBase64, toHex, utf8,
  type BlockStatement, type Envelope, type KeyId, type LogEntryKind, type PublicKeyRef, type RevokeStatement, type RotateStatement,
  type StatementKind, type YankStatement,
} from "@agentgov/registry-protocol";
import { agentgovHome } from "../util/home.js";
import { verifyReceipt, type VerifiedReceipt } from "./receipt.js";
import { RegistrySession } from "./session.js";

/** Connection options shared by the statement calls. */
export interface StatementOptions {
  registry: string;
  token: string;
  home?: string;
  /** Secret-key seeds (32 bytes) that sign the statement. */
  signingKeys: readonly Uint8Array[];
  timeoutMs?: number;
  now?: () => number;
}

/** A posted statement and its verified receipt. */
export interface StatementResult extends VerifiedReceipt {
  envelope: Envelope;
}

async function post(
  options: StatementOptions, kind: StatementKind, logKind: LogEntryKind, build: (origin: string, issuedAt: string) => object,
): Promise<StatementResult> {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const session = await RegistrySession.open({
    registry: options.registry, home: options.home ?? agentgovHome(), token: options.token, now,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  try {
    const envelope = signStatement(kind, build(session.origin, formatRfc3339Seconds(now())), options.signingKeys);
    const envelopeSha256 = toHex(sha256(utf8(canonicalJson(envelope))));
    const answer = await session.http.postJson("/v1/statements", envelope, 1024 * 1024);
    const receipt = await verifyReceipt(session, answer, (e) => e.kind === logKind && e.envelopeSha256 === envelopeSha256);
    await session.commit();
    return { ...receipt, envelope };
  } finally {
    session.close();
  }
}

/** Revokes `keyid` of `publisher`; versions it signed at log index ≥ `compromisedSince` stop installing. */
export function revoke(options: StatementOptions & { publisher: string; keyid: KeyId; reason: string; compromisedSince?: number }): Promise<StatementResult> {
  return post(options, "revoke", "revoke", (registry, issuedAt): RevokeStatement => ({
    _type: "agentgov/revoke/v1", registry, publisher: options.publisher, keyid: options.keyid, reason: options.reason, issuedAt,
    ...(options.compromisedSince === undefined ? {} : { compromisedSince: options.compromisedSince }),
  }));
}

/**
 * Rotates `publisher`'s keys: `add` (raw 32-byte public keys), `remove` (key ids), optional
 * new `threshold`. `signingKeys` must hold the current threshold and every added key.
 */
export function rotate(options: StatementOptions & { publisher: string; add: readonly Uint8Array[]; remove: readonly KeyId[]; threshold?: number }): Promise<StatementResult> {
  const add: PublicKeyRef[] = options.add.map((pk) => ({ keyid: keyIdOf(pk), publicKey: toBase64(pk) }));
  return post(options, "rotate", "rotate", (registry, issuedAt): RotateStatement => ({
    _type: "agentgov/rotate/v1", registry, publisher: options.publisher, add, remove: [...options.remove], issuedAt,
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
  }));
}

/** Yanks `name@version` (hidden from ranges; an exact pin still installs it, with a warning). */
export function yank(options: StatementOptions & { publisher: string; name: string; version: string; reason?: string }): Promise<StatementResult> {
  return post(options, "yank", "yank", (registry, issuedAt): YankStatement => ({
    _type: "agentgov/yank/v1", registry, publisher: options.publisher, name: options.name, version: options.version, issuedAt,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
  }));
}

/**
 * Blocks `name@version` (§5.2, admin): never installable again; `purge` also deletes the bytes
 * (blob fetches answer 410). `signingKeys` must hold the registry's `admin` role key and
 * `token` must carry the `admin` scope.
 */
export function block(options: StatementOptions & { name: string; version: string; reason: string; purge?: boolean }): Promise<StatementResult> {
  return post(options, "block", "block", (registry, issuedAt): BlockStatement => ({
    _type: "agentgov/block/v1", registry, name: options.name, version: options.version, reason: options.reason, issuedAt,
    ...(options.purge === true ? { purge: true } : {}),
  }));
}

/** Binds `publisher`'s first key (`key-binding`, signed by that key: proof of possession). */
export async function bindKey(options: Omit<StatementOptions, "signingKeys"> & { publisher: string; signingKey: Uint8Array }): Promise<StatementResult> {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const session = await RegistrySession.open({
    registry: options.registry, home: options.home ?? agentgovHome(), token: options.token, now,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  try {
    const envelope = signStatement("key-binding", {
      _type: "agentgov/key-binding/v1", registry: session.origin, publisher: options.publisher,
      publicKey: toBase64(publicKeyOf(options.signingKey)), issuedAt: formatRfc3339Seconds(now()),
    }, [options.signingKey]);
    const envelopeSha256 = toHex(sha256(utf8(canonicalJson(envelope))));
    const answer = await session.http.postJson(`/v1/publishers/${options.publisher}/keys`, envelope, 1024 * 1024);
    const receipt = await verifyReceipt(session, answer, (e) => e.kind === "bind" && e.envelopeSha256 === envelopeSha256);
    await session.commit();
    return { ...receipt, envelope };
  } finally {
    session.close();
  }
}
