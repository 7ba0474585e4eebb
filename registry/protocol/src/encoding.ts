/**
 * Strict byte encodings (REGISTRY.md §4.1): lowercase hex, standard padded base64 whose
 * decoders reject anything that does not re-encode to the same string, and constant-time
 * comparison of digests.
 */
import { timingSafeEqual } from "node:crypto";

const HEX = /^(?:[0-9a-f]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Decodes lowercase hex; `undefined` for anything else (uppercase, odd length, other characters). */
export function fromHex(text: string): Uint8Array | undefined {
  if (!HEX.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, "hex"));
}

/** Standard, padded base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Decodes standard padded base64; `undefined` unless the text re-encodes to exactly itself
 * (rejects URL-safe characters, missing padding, whitespace and non-zero trailing bits).
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) return undefined;
  return new Uint8Array(bytes);
}

/** Constant-time equality of two byte strings (false, without comparing, when lengths differ). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/** UTF-8 bytes of `text` (well-formed strings only; see {@link isWellFormed}). */
export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "utf8"));
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/** True when `text` has no lone surrogate, i.e. encodes to valid UTF-8. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

const FATAL_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 strictly; `undefined` for invalid UTF-8. A BOM is kept (and so rejected by JSON). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return FATAL_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
