/**
 * Log checkpoints as C2SP `tlog-checkpoint` signed notes (REGISTRY.md §4.8). Body:
 * origin, tree size, base64 root hash, one extension line `timestamp <unix seconds>`; then a
 * blank line and signature lines `— <origin> <base64(keyhash[4] ‖ sig[64])>` with
 * `keyhash = SHA-256(origin ‖ "\n" ‖ 0x01 ‖ publicKey)[:4]`. The signature covers the body
 * bytes (ending in its newline). Verifiers ignore signature lines of other keys, as C2SP says.
 */
import { DEFAULT_LIMITS } from "./limits.js";
import { RegistryError } from "./errors.js";
import { bytesEqual, decodeUtf8, fromBase64, isWellFormed, toBase64, utf8 } from "./encoding.js";
import { sha256 } from "./hash.js";
import { publicKeyOf, signEd25519, verifyEd25519 } from "./ed25519.js";
import { TREE_HASH_BYTES } from "./merkle.js";

/** A signed tree head. */
export interface Checkpoint {
  /** Log origin, e.g. `registry.example.com/log`; also the signing key's name. */
  origin: string;
  /** Number of leaves. */
  size: number;
  /** Root hash, 32 bytes. */
  rootHash: Uint8Array;
  /** Signing time, Unix seconds. */
  timestamp: number;
}

const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/;
const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/;
const SIGNATURE_PREFIX = "\u2014 ";

function invalid(message: string): never {
  throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `checkpoint: ${message}`);
}

/** `SHA-256(name ‖ "\n" ‖ 0x01 ‖ publicKey)[:4]`, the C2SP Ed25519 note key hash. */
export function noteKeyHash(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(utf8(`${name}\n`), Uint8Array.of(0x01), publicKey).subarray(0, 4);
}

function checkFields(cp: Checkpoint): void {
  if (!ORIGIN.test(cp.origin)) invalid("origin must be 1-255 printable ASCII characters without spaces or '+'");
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) invalid("size must be a safe non-negative integer");
  if (cp.rootHash.byteLength !== TREE_HASH_BYTES) invalid("root hash must be 32 bytes");
  if (!Number.isSafeInteger(cp.timestamp) || cp.timestamp < 0) invalid("timestamp must be a safe non-negative integer");
}

/** The signed body text of a checkpoint (ends in a newline). */
export function formatCheckpointBody(cp: Checkpoint): string {
  checkFields(cp);
  return `${cp.origin}\n${cp.size}\n${toBase64(cp.rootHash)}\ntimestamp ${cp.timestamp}\n`;
}

/** The full signed note of `cp`, signed with the log key (its name is the origin). */
export function signCheckpoint(cp: Checkpoint, secretKey: Uint8Array): string {
  const body = formatCheckpointBody(cp);
  const sig = signEd25519(utf8(body), secretKey);
  const keyHash = noteKeyHash(cp.origin, publicKeyOf(secretKey));
  const blob = new Uint8Array(4 + sig.byteLength);
  blob.set(keyHash, 0);
  blob.set(sig, 4);
  return `${body}\n${SIGNATURE_PREFIX}${cp.origin} ${toBase64(blob)}\n`;
}

/** Options of {@link openCheckpoint}. */
export interface OpenCheckpointOptions {
  /** The origin the client expects. */
  origin: string;
  /** The registry's `log` role public key. */
  publicKey: Uint8Array;
  /** Largest note, bytes; default 16 KiB. */
  maxBytes?: number;
}

/**
 * Parses a signed note and verifies it with the log key: exact body format, the expected
 * origin, a signature line whose key hash matches and whose signature verifies. Any failure
 * is `REGISTRY_LOG_PROOF_INVALID`.
 */
export function openCheckpoint(note: string | Uint8Array, options: OpenCheckpointOptions): Checkpoint {
  const maxBytes = options.maxBytes ?? DEFAULT_LIMITS.checkpointBytes;
  const bytes = typeof note === "string" ? utf8(note) : note;
  if (bytes.byteLength > maxBytes) invalid(`note larger than ${maxBytes} bytes`);
  const text = typeof note === "string" ? (isWellFormed(note) ? note : undefined) : decodeUtf8(note);
  if (text === undefined) invalid("not valid UTF-8");
  // eslint-disable-next-line no-control-regex -- control characters other than \n are forbidden in notes
  if (/[\x00-\x09\x0b-\x1f\x7f]/.test(text)) invalid("control character in note");
  const split = text.indexOf("\n\n");
  if (split < 0 || !text.endsWith("\n")) invalid("no blank line between body and signatures");
  const body = text.slice(0, split + 1);
  const lines = body.slice(0, -1).split("\n");
  if (lines.length !== 4) invalid("body must have exactly origin, size, root and timestamp lines");
  const [origin, sizeText, rootText, extension] = lines as [string, string, string, string];
  if (origin !== options.origin) invalid(`origin '${origin}' is not '${options.origin}'`);
  if (!DECIMAL.test(sizeText)) invalid("size is not a canonical decimal");
  const rootHash = fromBase64(rootText);
  if (rootHash === undefined) invalid("root is not canonical base64");
  const stamp = /^timestamp (0|[1-9][0-9]{0,15})$/.exec(extension);
  if (stamp === null) invalid("extension line must be 'timestamp <unix seconds>'");
  const cp: Checkpoint = { origin, size: Number(sizeText), rootHash, timestamp: Number(stamp[1]) };
  checkFields(cp);
  const expectedHash = noteKeyHash(origin, options.publicKey);
  const signatures = text.slice(split + 2, -1).split("\n");
  let verified = false;
  for (const line of signatures) {
    if (!line.startsWith(SIGNATURE_PREFIX)) invalid("malformed signature line");
    const parts = line.slice(SIGNATURE_PREFIX.length).split(" ");
    const blob = parts.length === 2 ? fromBase64(parts[1] as string) : undefined;
    if (blob === undefined || blob.byteLength < 5) invalid("malformed signature line");
    if (parts[0] !== origin || blob.byteLength !== 68 || !bytesEqual(blob.subarray(0, 4), expectedHash)) continue;
    if (!verifyEd25519(blob.subarray(4), utf8(body), options.publicKey)) invalid("signature does not verify");
    verified = true;
  }
  if (!verified) invalid("no signature by the log key");
  return cp;
}

/** Options of {@link checkCheckpointFreshness}. */
export interface FreshnessOptions {
  /** Current time, Unix seconds. */
  now: number;
  /** The last verified checkpoint the client stored, if any. */
  previous?: Checkpoint;
  /** Oldest acceptable age, seconds; default 24 h. */
  maxAgeSeconds?: number;
  /** Allowed clock skew into the future, seconds; default 5 min. */
  maxSkewSeconds?: number;
}

/**
 * Client-side freshness rules of §4.8: older than 24 h or more than 5 min in the future →
 * `REGISTRY_STALE`; smaller than the stored checkpoint → `REGISTRY_ROLLBACK`; the same size
 * with another root → `REGISTRY_LOG_FORK`. Consistency with a smaller stored checkpoint is
 * checked separately with `assertConsistency`.
 */
export function checkCheckpointFreshness(cp: Checkpoint, options: FreshnessOptions): void {
  const maxAge = options.maxAgeSeconds ?? 24 * 3600;
  const skew = options.maxSkewSeconds ?? 5 * 60;
  if (cp.timestamp < options.now - maxAge) throw new RegistryError("REGISTRY_STALE", "checkpoint is older than allowed");
  if (cp.timestamp > options.now + skew) throw new RegistryError("REGISTRY_STALE", "checkpoint is in the future");
  const previous = options.previous;
  if (previous === undefined) return;
  if (cp.size < previous.size) throw new RegistryError("REGISTRY_ROLLBACK", `checkpoint size ${cp.size} < stored ${previous.size}`);
  if (cp.size === previous.size && !bytesEqual(cp.rootHash, previous.rootHash)) {
    throw new RegistryError("REGISTRY_LOG_FORK", `two roots for tree size ${cp.size}`);
  }
}
