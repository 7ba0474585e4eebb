/**
 * Key lifecycle statements (REGISTRY.md §5.2), signed as DSSE envelopes of their own kinds:
 * `key-binding` (proof of possession of a publisher's first key), `rotate` (add/remove keys,
 * change the threshold) and `revoke`. Every statement carries `registry` (the log origin) and
 * `issuedAt`. Malformed statements are `REGISTRY_REQUEST_INVALID`; a weak key in a binding or
 * rotation is `REGISTRY_WEAK_KEY`.
 */
import { RegistryError } from "./errors.js";
import { at, Shape } from "./internal/shape.js";
import { fromBase64 } from "./encoding.js";
import { assertStrongPublicKey, isKeyId, keyIdOf, type KeyId } from "./ed25519.js";
import { isPublisherId } from "./package-name.js";
import { isRfc3339Seconds, parseRfc3339Seconds } from "./time.js";

/** A log origin, e.g. `registry.example.com/log`. */
const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/;

/** Most keys a publisher may hold, and so the largest threshold. */
export const MAX_PUBLISHER_KEYS = 16;

/** A publisher's public key as carried in statements. */
export interface PublicKeyRef {
  keyid: KeyId;
  /** Standard base64 of the raw 32-byte key. */
  publicKey: string;
}

/** Binds a publisher's first key; signed by that key. */
export interface KeyBindingStatement {
  _type: "agentgov/key-binding/v1";
  registry: string;
  publisher: string;
  /** Standard base64 of the raw 32-byte key. */
  publicKey: string;
  issuedAt: string;
}

/** Changes a publisher's key set; signed by the current threshold and every added key. */
export interface RotateStatement {
  _type: "agentgov/rotate/v1";
  registry: string;
  publisher: string;
  add: PublicKeyRef[];
  remove: KeyId[];
  /** New signing threshold, when it changes. */
  threshold?: number;
  issuedAt: string;
}

/** Revokes one key; versions it signed at log index ≥ `compromisedSince` stop being valid. */
export interface RevokeStatement {
  _type: "agentgov/revoke/v1";
  registry: string;
  publisher: string;
  keyid: KeyId;
  reason: string;
  /** Log index from which the key is considered compromised (default: the revoke entry's own). */
  compromisedSince?: number;
  issuedAt: string;
}

function common(shape: Shape, s: Record<string, unknown>, type: string): { registry: string; publisher: string; issuedAt: string } {
  if (s._type !== type) shape.fail("_type", `must be ${type}`);
  const registry = shape.string(s.registry, "registry", { max: 255, pattern: ORIGIN });
  const publisher = shape.string(s.publisher, "publisher", { max: 39 });
  if (!isPublisherId(publisher)) shape.fail("publisher", "not a publisher id");
  const issuedAt = shape.string(s.issuedAt, "issuedAt", { max: 20 });
  if (!isRfc3339Seconds(issuedAt)) shape.fail("issuedAt", "must be RFC 3339 UTC seconds");
  return { registry, publisher, issuedAt };
}

function strongKey(shape: Shape, value: unknown, path: string): { text: string; bytes: Uint8Array } {
  const text = shape.string(value, path, { max: 44 });
  const bytes = fromBase64(text);
  if (bytes === undefined) shape.fail(path, "not canonical base64");
  try {
    assertStrongPublicKey(bytes);
  } catch (cause) {
    throw new RegistryError("REGISTRY_WEAK_KEY", (cause as Error).message, { path, cause });
  }
  return { text, bytes };
}

function keyId(shape: Shape, value: unknown, path: string): KeyId {
  const text = shape.string(value, path, { max: 72 });
  if (!isKeyId(text)) shape.fail(path, "not an ed25519 key id");
  return text;
}

/** Validates a key-binding statement (the key must be strong). */
export function validateKeyBinding(value: unknown): KeyBindingStatement {
  const shape: Shape = new Shape("REGISTRY_REQUEST_INVALID");
  const s = shape.object(value, "", ["_type", "registry", "publisher", "publicKey", "issuedAt"]);
  const base = common(shape, s, "agentgov/key-binding/v1");
  const publicKey = strongKey(shape, s.publicKey, "publicKey").text;
  return { _type: "agentgov/key-binding/v1", registry: base.registry, publisher: base.publisher, publicKey, issuedAt: base.issuedAt };
}

/**
 * Validates a rotate statement: added keys strong and matching their key ids, no key both
 * added and removed, no duplicates, something to change, threshold 1–16.
 */
export function validateRotate(value: unknown): RotateStatement {
  const shape: Shape = new Shape("REGISTRY_REQUEST_INVALID");
  const s = shape.object(value, "", ["_type", "registry", "publisher", "add", "remove", "issuedAt"], ["threshold"]);
  const base = common(shape, s, "agentgov/rotate/v1");
  const seen = new Set<string>();
  const add = shape.array(s.add, "add", MAX_PUBLISHER_KEYS).map((item, i): PublicKeyRef => {
    const where = at("add", i);
    const ref = shape.object(item, where, ["keyid", "publicKey"]);
    const keyid = keyId(shape, ref.keyid, at(where, "keyid"));
    const key = strongKey(shape, ref.publicKey, at(where, "publicKey"));
    if (keyIdOf(key.bytes) !== keyid) shape.fail(at(where, "keyid"), "does not match publicKey");
    if (seen.has(keyid)) shape.fail(at(where, "keyid"), "duplicate key");
    seen.add(keyid);
    return { keyid, publicKey: key.text };
  });
  const remove = shape.array(s.remove, "remove", MAX_PUBLISHER_KEYS).map((item, i) => {
    const keyid = keyId(shape, item, at("remove", i));
    if (seen.has(keyid)) shape.fail(at("remove", i), "key both added and removed, or listed twice");
    seen.add(keyid);
    return keyid;
  });
  const statement: RotateStatement = { _type: "agentgov/rotate/v1", registry: base.registry, publisher: base.publisher, add, remove, issuedAt: base.issuedAt };
  if (s.threshold !== undefined) statement.threshold = shape.integer(s.threshold, "threshold", 1, MAX_PUBLISHER_KEYS);
  if (add.length === 0 && remove.length === 0 && statement.threshold === undefined) shape.fail("", "a rotation must change something");
  return statement;
}

/** Validates a revoke statement. */
export function validateRevoke(value: unknown): RevokeStatement {
  const shape: Shape = new Shape("REGISTRY_REQUEST_INVALID");
  const s = shape.object(value, "", ["_type", "registry", "publisher", "keyid", "reason", "issuedAt"], ["compromisedSince"]);
  const base = common(shape, s, "agentgov/revoke/v1");
  const statement: RevokeStatement = {
    _type: "agentgov/revoke/v1", registry: base.registry, publisher: base.publisher,
    keyid: keyId(shape, s.keyid, "keyid"), reason: shape.string(s.reason, "reason", { max: 256 }), issuedAt: base.issuedAt,
  };
  if (s.compromisedSince !== undefined) statement.compromisedSince = shape.integer(s.compromisedSince, "compromisedSince", 0);
  return statement;
}

/**
 * Submission-time check of a statement's `issuedAt` (§4.5): within `skewSeconds` (default
 * 10 min) of `now` (Unix seconds), else `REGISTRY_STALE`.
 */
export function checkIssuedAt(issuedAt: string, now: number, skewSeconds = 600): void {
  const at = parseRfc3339Seconds(issuedAt);
  if (at === undefined) throw new RegistryError("REGISTRY_REQUEST_INVALID", "issuedAt is not RFC 3339 UTC seconds", { path: "issuedAt" });
  if (Math.abs(at - now) > skewSeconds) {
    throw new RegistryError("REGISTRY_STALE", `issuedAt is more than ${skewSeconds} s from now`, { path: "issuedAt" });
  }
}
