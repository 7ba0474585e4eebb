/**
 * The registry root chain (REGISTRY.md §4.9): root 1 is pinned by the SHA-256 of its bytes
 * (from the trust store, or trusted on first use), each root N+1 must be signed by the `root`
 * role thresholds of root N **and** of itself, versions only go up, the origin never changes
 * and the newest root must not be expired. The verified root yields the `log`, `index` and
 * `admin` role keys.
 */
import {
  RegistryError, bytesEqual, fromBase64, fromHex, keyIdOf, parseRfc3339Seconds, sha256, verifyEnvelope, type KeyId,
} from "@agentgov/registry-protocol";
import type { RegistryHttp } from "./http-client.js";

/** Registry roles. */
export type RootRole = "root" | "log" | "index" | "admin" | "npm";

/** A verified root statement. */
export interface RegistryRoot {
  _type: "agentgov/root/v1";
  version: number;
  expires: string;
  origin: string;
  keys: Record<string, { keytype: "ed25519" | "ecdsa-p256"; publicKey: string }>;
  roles: Record<RootRole, { keyids: string[]; threshold: number }>;
}

/** The outcome of {@link verifyRootChain}. */
export interface VerifiedRoot {
  root: RegistryRoot;
  /** The newest root envelope's bytes (as stored). */
  text: string;
  /** Hex SHA-256 of root 1 (what the trust store pins). */
  root1Sha256: string;
  /** True when root 1 was trusted on first use (no pin). */
  firstUse: boolean;
}

const ROOT_BYTES = 128 * 1024;
const MAX_WALK = 1000;
const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/;
const ROLES: readonly RootRole[] = ["root", "log", "index", "admin", "npm"];

function bad(message: string): never {
  throw new RegistryError("REGISTRY_REQUEST_INVALID", `root: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Strict shape check of a root statement. */
export function validateRoot(value: unknown): RegistryRoot {
  if (!isRecord(value)) bad("not an object");
  const allowed = ["_type", "version", "expires", "origin", "keys", "roles"];
  for (const key of Object.keys(value)) if (!allowed.includes(key)) bad(`unknown field ${key}`);
  if (value._type !== "agentgov/root/v1") bad("_type must be agentgov/root/v1");
  if (!Number.isSafeInteger(value.version) || (value.version as number) < 1) bad("version must be an integer >= 1");
  if (typeof value.expires !== "string" || parseRfc3339Seconds(value.expires) === undefined) bad("expires must be RFC 3339 seconds");
  if (typeof value.origin !== "string" || !ORIGIN.test(value.origin)) bad("invalid origin");
  if (!isRecord(value.keys) || !isRecord(value.roles)) bad("keys and roles must be objects");
  for (const [keyid, key] of Object.entries(value.keys)) {
    if (!isRecord(key) || (key.keytype !== "ed25519" && key.keytype !== "ecdsa-p256") || typeof key.publicKey !== "string") bad(`key ${keyid} is malformed`);
    if (key.keytype === "ed25519") {
      const raw = fromBase64(key.publicKey);
      if (raw === undefined || raw.byteLength !== 32 || keyIdOf(raw) !== keyid) bad(`key ${keyid} does not match its key id`);
    }
  }
  const seen = new Set<string>();
  for (const role of ROLES) {
    const r = value.roles[role];
    if (!isRecord(r) || !Array.isArray(r.keyids) || r.keyids.length === 0 || !Number.isSafeInteger(r.threshold) ||
      (r.threshold as number) < 1 || (r.threshold as number) > r.keyids.length) bad(`role ${role} is malformed`);
    for (const id of r.keyids) {
      if (typeof id !== "string" || !Object.hasOwn(value.keys, id)) bad(`role ${role} names an unknown key`);
      if (seen.has(id)) bad(`key ${id} serves two roles`);
      seen.add(id);
    }
  }
  if (Object.keys(value.roles).length !== ROLES.length) bad("unknown role");
  return value as unknown as RegistryRoot;
}

/** The Ed25519 public keys and threshold of `role`. */
export function roleKeys(root: RegistryRoot, role: Exclude<RootRole, "npm">): { keys: Uint8Array[]; threshold: number; keyids: KeyId[] } {
  const r = root.roles[role];
  const keys = r.keyids.map((id) => {
    const key = root.keys[id];
    const raw = key?.keytype === "ed25519" ? fromBase64(key.publicKey) : undefined;
    if (raw === undefined) bad(`role ${role} key ${id} is not an Ed25519 key`);
    return raw;
  });
  return { keys, threshold: r.threshold, keyids: r.keyids as KeyId[] };
}

function verifyRootEnvelope(bytes: Uint8Array, previous: RegistryRoot | undefined): RegistryRoot {
  // The keys to check come from the unverified payload; every signature is then verified.
  const claimed = peekRoot(bytes);
  if (claimed === undefined) {
    const result = verifyEnvelope(bytes, { kind: "root", trustedKeys: [], threshold: 1, maxBytes: ROOT_BYTES });
    throw result.ok ? new RegistryError("REGISTRY_REQUEST_INVALID", "root: malformed") : result.error;
  }
  const own = roleKeys(claimed, "root");
  const prev = previous === undefined ? undefined : roleKeys(previous, "root");
  const result = verifyEnvelope<RegistryRoot>(bytes, {
    kind: "root", trustedKeys: [...own.keys, ...(prev?.keys ?? [])], threshold: 1, validate: validateRoot, maxBytes: ROOT_BYTES,
  });
  if (!result.ok) throw result.error;
  const signed = new Set<string>(result.keyids);
  if (own.keyids.filter((k) => signed.has(k)).length < own.threshold) {
    throw new RegistryError("REGISTRY_THRESHOLD", `root ${result.statement.version} lacks its own root threshold`);
  }
  if (prev !== undefined && prev.keyids.filter((k) => signed.has(k)).length < prev.threshold) {
    throw new RegistryError("REGISTRY_THRESHOLD", `root ${result.statement.version} lacks the previous root's threshold`);
  }
  return result.statement;
}

function peekRoot(bytes: Uint8Array): RegistryRoot | undefined {
  try {
    const envelope = JSON.parse(Buffer.from(bytes).toString("utf8")) as { payload?: unknown };
    const payload = typeof envelope.payload === "string" ? fromBase64(envelope.payload) : undefined;
    return payload === undefined ? undefined : validateRoot(JSON.parse(Buffer.from(payload).toString("utf8")));
  } catch {
    return undefined;
  }
}

async function fetchRoot(http: RegistryHttp, version: number | undefined): Promise<Buffer> {
  const path = version === undefined ? "/v1/root.json" : `/v1/root/${String(version)}.json`;
  return (await http.request({ method: "GET", path, maxBytes: ROOT_BYTES })).body;
}

/** Options of {@link verifyRootChain}. */
export interface RootChainOptions {
  /** Pinned hex SHA-256 of root 1 (trust store); absent → trust on first use. */
  pinnedRoot1Sha256?: string;
  /** The previously verified newest root envelope (client state). */
  stored?: string;
  /** Hex SHA-256 of root 1 recorded with `stored`. */
  storedRoot1Sha256?: string;
  /** Now, Unix seconds. */
  now: number;
}

/** Walks and verifies the root chain up to the registry's newest root. */
export async function verifyRootChain(http: RegistryHttp, options: RootChainOptions): Promise<VerifiedRoot> {
  let current: RegistryRoot;
  let text: string;
  let root1Sha256: string;
  let firstUse = false;
  if (options.stored !== undefined && options.storedRoot1Sha256 !== undefined &&
    (options.pinnedRoot1Sha256 === undefined || options.pinnedRoot1Sha256 === options.storedRoot1Sha256)) {
    // Verified when it was stored (local state, like trust.json): only re-validated here.
    const stored = peekRoot(Buffer.from(options.stored, "utf8"));
    if (stored === undefined) throw new RegistryError("REGISTRY_STORE_CORRUPT", "stored root is invalid");
    current = stored;
    text = options.stored;
    root1Sha256 = options.storedRoot1Sha256;
  } else {
    const first = await fetchRoot(http, 1);
    root1Sha256 = Buffer.from(sha256(first)).toString("hex");
    const pin = options.pinnedRoot1Sha256 === undefined ? undefined : fromHex(options.pinnedRoot1Sha256);
    if (options.pinnedRoot1Sha256 !== undefined && (pin === undefined || !bytesEqual(pin, sha256(first)))) {
      throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `root 1 of this registry (${root1Sha256}) is not the pinned one`);
    }
    firstUse = options.pinnedRoot1Sha256 === undefined;
    current = verifyRootEnvelope(first, undefined);
    if (current.version !== 1) throw new RegistryError("REGISTRY_ROLLBACK", "root/1.json is not version 1");
    text = first.toString("utf8");
  }
  const latestBytes = await fetchRoot(http, undefined);
  const latest = peekRoot(latestBytes);
  if (latest === undefined) bad("the registry's newest root is malformed");
  if (latest.version === current.version && latestBytes.toString("utf8") !== text) {
    throw new RegistryError("REGISTRY_LOG_FORK", `two different roots with version ${String(current.version)}`);
  }
  if (latest.version < current.version) {
    throw new RegistryError("REGISTRY_ROLLBACK", `registry serves root ${latest.version}, below the verified ${current.version}`);
  }
  if (latest.version - current.version > MAX_WALK) bad("root chain too long");
  for (let n = current.version + 1; n <= latest.version; n++) {
    const bytes = await fetchRoot(http, n);
    const next = verifyRootEnvelope(bytes, current);
    if (next.version !== n) throw new RegistryError("REGISTRY_ROLLBACK", `root/${String(n)}.json has version ${next.version}`);
    if (next.origin !== current.origin) bad("the origin changed");
    current = next;
    text = bytes.toString("utf8");
  }
  const expires = parseRfc3339Seconds(current.expires) ?? 0;
  if (options.now >= expires) throw new RegistryError("REGISTRY_STALE", `root ${current.version} expired at ${current.expires}`);
  return { root: current, text, root1Sha256, firstUse };
}
