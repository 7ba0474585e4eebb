/**
 * Bearer tokens: scoped, stored only as SHA-256 hashes in a JSON file in the data
 * directory, and compared in constant time (`timingSafeEqual` on digests, every stored
 * token checked, no early exit). Tokens that authenticated are remembered (a bounded map
 * from the presented token to its principal) so a keep-alive client's next requests skip
 * the digest; a token that failed is never remembered, so unauthenticated input cannot
 * grow the map, and every miss takes the constant-time path.
 */
import { hash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "./atomic-file.js";
import { ServerError } from "./errors.js";

/**
 * Scopes a token can hold; `admin` implies every other. `approve`: a human who votes on
 * approvals (the token's `id` is the approver's identity).
 */
export const SCOPES = ["decide", "audit:read", "metrics", "approve", "admin"] as const;
/** A token's permission. */
export type Scope = (typeof SCOPES)[number];

/** A stored token (never the token itself). */
export interface StoredToken {
  /** A name for logs and audit records (who acted). */
  id: string;
  /** sha256 (hex) of the token. */
  sha256: string;
  scopes: Scope[];
  created: string;
}

/** Who a request authenticated as. */
export interface Principal {
  id: string;
  scopes: readonly Scope[];
}

/** The tokens file name inside the data directory. */
export const TOKENS_FILE = "tokens.json";

/** Reads the tokens file. Throws `TOKENS_MISSING` or `TOKENS_INVALID`. */
export function readTokens(path: string): StoredToken[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new ServerError("TOKENS_MISSING", 500, `no tokens file at ${path}; create one with 'agentgov serve --init'`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ServerError("TOKENS_INVALID", 500, `${path} is not valid JSON`);
  }
  const tokens = (value as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(tokens)) throw new ServerError("TOKENS_INVALID", 500, `${path} must hold { "v": 1, "tokens": [...] }`);
  return tokens.map((t: unknown, i) => {
    const r = t as Partial<StoredToken> | null;
    const valid = r !== null && typeof r.id === "string" && typeof r.sha256 === "string" && /^[0-9a-f]{64}$/.test(r.sha256) &&
      Array.isArray(r.scopes) && r.scopes.every((s) => (SCOPES as readonly unknown[]).includes(s));
    if (!valid) throw new ServerError("TOKENS_INVALID", 500, `${path}: token ${i} needs id, sha256 (64 hex) and known scopes (${SCOPES.join(", ")})`);
    return { id: r.id, sha256: r.sha256, scopes: r.scopes, created: typeof r.created === "string" ? r.created : "" } as StoredToken;
  });
}

/** Options of {@link issueToken}. */
export interface IssueTokenOptions {
  id: string;
  scopes: readonly Scope[];
  /** Refuse when the file exists (for `--init`). Default false: append to it. */
  exclusive?: boolean;
  clock?: () => number;
}

/**
 * Creates a token, stores its hash in the tokens file (mode 0600, written atomically) and
 * returns the token: the only time it is ever seen.
 */
export function issueToken(path: string, options: IssueTokenOptions): string {
  const exists = existsSync(path);
  if (exists && options.exclusive === true) throw new ServerError("TOKENS_EXIST", 409, `${path} already exists; not overwriting it`);
  const tokens = exists ? readTokens(path) : [];
  if (tokens.some((t) => t.id === options.id)) throw new ServerError("TOKENS_EXIST", 409, `a token named '${options.id}' already exists`);
  const token = `agt_${randomBytes(32).toString("base64url")}`;
  const created = new Date((options.clock ?? Date.now)()).toISOString();
  tokens.push({ id: options.id, sha256: tokenDigest(token), scopes: [...options.scopes], created });
  writeFileAtomic(path, JSON.stringify({ v: 1, tokens }, null, 2) + "\n", 0o600);
  return token;
}

/** sha256 (hex) of a token. */
export function tokenDigest(token: string): string {
  return hash("sha256", token, "hex");
}

/** Checks bearer tokens against stored hashes in constant time. */
export interface Authenticator {
  /** The principal for an `Authorization` header, or null when it names no valid token. */
  authenticate(header: string | undefined): Principal | null;
}

/** Most characters of a presented token that are hashed (longer ones cannot be valid). */
const MAX_TOKEN_LENGTH = 512;
/** Most authenticated tokens remembered (the oldest is forgotten first). */
export const MAX_REMEMBERED_TOKENS = 256;
const BEARER = /^Bearer ([\x21-\x7e]+)$/;

/**
 * Builds an {@link Authenticator} over stored tokens. A remembered token is found by a
 * `Map` lookup on the presented string: its timing depends on the presented string's own
 * hash and, only on a hash match, on a comparison with a token that already authenticated
 * — it reveals nothing a guess could be checked against, and a miss always goes on to the
 * full constant-time comparison.
 */
export function createAuthenticator(tokens: readonly StoredToken[]): Authenticator {
  const stored = tokens.map((t) => ({ digest: Buffer.from(t.sha256, "hex"), principal: { id: t.id, scopes: t.scopes } }));
  const remembered = new Map<string, Principal>();
  return {
    authenticate(header) {
      if (header === undefined) return null;
      const token = BEARER.exec(header)?.[1];
      if (token === undefined || token.length > MAX_TOKEN_LENGTH) return null;
      const known = remembered.get(token);
      if (known !== undefined) return known;
      const digest = hash("sha256", token, "buffer");
      let found: Principal | null = null;
      for (const s of stored) if (timingSafeEqual(s.digest, digest) && found === null) found = s.principal;
      if (found !== null) {
        if (remembered.size >= MAX_REMEMBERED_TOKENS) {
          const oldest = remembered.keys().next().value;
          if (oldest !== undefined) remembered.delete(oldest);
        }
        remembered.set(token, found);
      }
      return found;
    },
  };
}

/** True when `principal` holds `scope` (or `admin`); for a list, any one of them. */
export function hasScope(principal: Principal, scope: Scope | readonly Scope[]): boolean {
  if (principal.scopes.includes("admin")) return true;
  return typeof scope === "string" ? principal.scopes.includes(scope) : scope.some((s) => principal.scopes.includes(s));
}
