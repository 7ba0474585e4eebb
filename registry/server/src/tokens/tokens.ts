/**
 * Bearer tokens (REGISTRY.md §6.5): 256 random bits, shown once, stored only as their
 * SHA-256; scoped and expiring. Authentication hashes the presented token, looks the hash up
 * and compares it in constant time; every failure is 401 `REGISTRY_AUTH` with one message.
 */
import { randomBytes } from "node:crypto";
import { bytesEqual, isPublisherId, sha256, utf8 } from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import { HttpError, badRequest } from "../http/http-error.js";
import type { TokenRow } from "../storage/meta-store.js";
import { coversName, isScope, type Scope } from "./scopes.js";

/** Prefix of every token, so that secret scanners recognise them. */
export const TOKEN_PREFIX = "agr_";
const TOKEN = /^agr_[A-Za-z0-9_-]{43}$/;
/** Longest token lifetime, seconds (1 year). */
export const MAX_TOKEN_TTL_SECONDS = 365 * 24 * 3600;

/** An authenticated token. */
export interface AuthToken {
  publisher?: string;
  scopes: readonly string[];
  expiresAt: number;
}

/** What a new token may do. */
export interface TokenSpec {
  publisher?: string;
  scopes: Scope[];
  ttlSeconds: number;
  label?: string;
}

function denied(): HttpError {
  return new HttpError(401, "REGISTRY_AUTH", "missing, invalid or expired token");
}

/** Creates and stores a token; returns the secret (never stored) and its expiry. */
export async function createToken(ctx: RegistryContext, spec: TokenSpec): Promise<{ token: string; expiresAt: number }> {
  if (spec.scopes.length === 0 || spec.scopes.length > 16 || !spec.scopes.every(isScope)) throw badRequest("invalid scopes");
  if (!Number.isSafeInteger(spec.ttlSeconds) || spec.ttlSeconds < 1 || spec.ttlSeconds > MAX_TOKEN_TTL_SECONDS) throw badRequest("invalid ttlSeconds");
  if (spec.publisher !== undefined && !isPublisherId(spec.publisher)) throw badRequest("invalid publisher");
  if (spec.publisher === undefined && spec.scopes.some((s) => s !== "admin")) throw badRequest("publish and keys scopes need a publisher");
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const expiresAt = ctx.clock.now() + spec.ttlSeconds;
  const row: TokenRow = { sha256: sha256(utf8(token)), scopes: [...spec.scopes], expiresAt };
  if (spec.publisher !== undefined) row.publisher = spec.publisher;
  if (spec.label !== undefined) row.label = spec.label;
  await ctx.meta.transaction(async (tx) => {
    if (spec.publisher !== undefined && await tx.getPublisher(spec.publisher) === undefined) throw badRequest(`no publisher ${spec.publisher}`);
    await tx.insertToken(row);
  });
  return { token, expiresAt };
}

/** Authenticates an `Authorization` header value; throws 401 for anything but a live token. */
export async function authenticate(ctx: RegistryContext, header: string | undefined): Promise<AuthToken> {
  if (header === undefined || !header.startsWith("Bearer ")) throw denied();
  const token = header.slice("Bearer ".length);
  if (!TOKEN.test(token)) throw denied();
  const hash = sha256(utf8(token));
  const row = await ctx.meta.read((r) => r.getToken(hash));
  if (row === undefined || !bytesEqual(row.sha256, hash) || ctx.clock.now() >= row.expiresAt) throw denied();
  const auth: AuthToken = { scopes: row.scopes, expiresAt: row.expiresAt };
  if (row.publisher !== undefined) auth.publisher = row.publisher;
  return auth;
}

function forbidden(message: string): HttpError {
  return new HttpError(403, "REGISTRY_AUTH", message);
}

/** Throws 403 unless the token has the `admin` scope. */
export function requireAdmin(token: AuthToken): void {
  if (!token.scopes.includes("admin")) throw forbidden("the admin scope is required");
}

/** Throws 403 unless the token may manage `publisher`'s keys (`keys` scope of that publisher, or admin). */
export function requireKeys(token: AuthToken, publisher: string): void {
  if (token.scopes.includes("admin")) return;
  if (!token.scopes.includes("keys") || token.publisher !== publisher) throw forbidden(`the keys scope of ${publisher} is required`);
}

/** Throws 403 unless the token of `publisher` covers `name` with a publish scope. */
export function requirePublish(token: AuthToken, name: string, publisher: string): void {
  if (token.publisher !== publisher || !coversName(token.scopes, name)) throw forbidden(`this token may not publish ${name}`);
}
