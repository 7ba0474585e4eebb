/**
 * The log header (first line of a JSONL log): creation, serialisation, validation.
 * See format.ts for the whole on-disk format.
 */
import { randomBytes } from "node:crypto";
import { canonicalJson } from "../internal/canonical-json.js";
import { isHex64, sha256Hex } from "./digest.js";
import type { AuditHeader } from "./types.js";

/** The genesis value of a log: sha256 (hex) of `canonicalJson({created, nonce})`. */
export function genesisOf(created: string, nonce: string): string {
  return sha256Hex(canonicalJson({ created, nonce }));
}

/** A new header with a random 32-byte nonce. */
export function createHeader(created: string, keyId: string | undefined): AuditHeader {
  const nonce = randomBytes(32).toString("hex");
  const header: AuditHeader = { type: "header", v: 1, genesis: genesisOf(created, nonce), created, nonce };
  if (keyId !== undefined) header.key_id = keyId;
  return header;
}

/** The header's line (without newline), keys in a fixed, documented order. */
export function headerLine(header: AuditHeader): string {
  return JSON.stringify({
    type: header.type,
    v: header.v,
    genesis: header.genesis,
    created: header.created,
    nonce: header.nonce,
    key_id: header.key_id,
  });
}

const HEADER_KEYS = new Set(["type", "v", "genesis", "created", "nonce", "key_id"]);

/** Validates a parsed header; returns it, or a message saying what is wrong. */
export function checkHeader(value: unknown): AuditHeader | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "the first line is not a header object";
  const h = value as Record<string, unknown>;
  if (h.type !== "header") return "the first line is not a header (type must be \"header\")";
  if (h.v !== 1) return `unsupported log format version ${h.v === undefined ? "undefined" : JSON.stringify(h.v)} (this verifier reads v1)`;
  for (const key of Object.keys(h)) if (!HEADER_KEYS.has(key)) return `unknown header field '${key}'`;
  if (!isHex64(h.genesis)) return "header genesis is not 64 lowercase hex characters";
  if (typeof h.created !== "string" || Number.isNaN(Date.parse(h.created))) return "header created is not an ISO-8601 time";
  if (!isHex64(h.nonce)) return "header nonce is not 64 lowercase hex characters";
  if (h.key_id !== undefined && !isHex64(h.key_id)) return "header key_id is not 64 lowercase hex characters";
  if (genesisOf(h.created, h.nonce) !== h.genesis) return "header genesis does not match sha256({created, nonce})";
  return h as unknown as AuditHeader;
}
