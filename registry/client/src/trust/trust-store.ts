/**
 * The client trust store `$AGENTGOV_HOME/trust.json` (REGISTRY.md §5.3): trusted public
 * keys, ordered policies (`pinned`, `tofu`, `registry`), TOFU pins and registry roots.
 * Parsing is strict (`REGISTRY_STORE_CORRUPT`; a weak key is `REGISTRY_WEAK_KEY`); writes are
 * atomic (temp + fsync + rename). All operations return a new store; none mutate.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  RegistryError, assertStrongPublicKey, fromBase64, isKeyId, isPublisherId, keyIdOf, parseJsonBounded, toBase64,
  type KeyId,
} from "@agentgov/registry-protocol";
import { writeFileAtomic } from "../util/atomic-file.js";
import { agentgovHome } from "../util/home.js";

/** Trust modes, strongest first. */
export const TRUST_MODES = ["pinned", "tofu", "registry"] as const;
/** One trust mode. */
export type TrustMode = (typeof TRUST_MODES)[number];

/** One policy: the first whose `match` glob matches a package name wins. */
export interface TrustPolicy {
  /** Package-name glob; `*` matches any run of characters (including `/`). */
  match: string;
  mode: TrustMode;
  /** `pinned` only: the accepted key ids (each in `keys`). */
  keyids?: KeyId[];
  /** `pinned` only: distinct signers required (default 1). */
  threshold?: number;
}

/** The trust store's JSON. */
export interface TrustStore {
  version: 1;
  registries: Record<string, { rootSha256: string }>;
  keys: Record<KeyId, { publicKey: string; publisher?: string }>;
  policies: TrustPolicy[];
  tofu: Record<string, { keyids: KeyId[]; logIndex?: number }>;
}

const MAX_TRUST_BYTES = 1024 * 1024;
const MATCH = /^[@a-z0-9._~*/-]{1,215}$/;

/** A fresh store: no keys, one policy `*` → `tofu`. */
export function defaultTrustStore(): TrustStore {
  return { version: 1, registries: {}, keys: {}, policies: [{ match: "*", mode: "tofu" }], tofu: {} };
}

/** `$home/trust.json`. */
export function trustStorePath(home: string = agentgovHome()): string {
  return join(home, "trust.json");
}

function corrupt(path: string, message: string): never {
  throw new RegistryError("REGISTRY_STORE_CORRUPT", `trust.json: ${message}`, { path });
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) corrupt(path, "must be an object");
  return value as Record<string, unknown>;
}

function exact(value: unknown, path: string, allowed: readonly string[], required: readonly string[]): Record<string, unknown> {
  const r = record(value, path);
  for (const key of Object.keys(r)) if (!allowed.includes(key)) corrupt(`${path}.${key}`, "unknown field");
  for (const key of required) if (r[key] === undefined) corrupt(`${path}.${key}`, "is required");
  return r;
}

function keyids(value: unknown, path: string): KeyId[] {
  if (!Array.isArray(value) || value.length === 0) corrupt(path, "must be a non-empty list of key ids");
  const ids = value.map((id, i) => (isKeyId(id) ? id : corrupt(`${path}[${i}]`, "not a key id")));
  if (new Set(ids).size !== ids.length) corrupt(path, "repeated key id");
  return ids;
}

/** Checks a policy glob: package-name characters and `*`. */
export function checkMatchPattern(match: string): string {
  if (!MATCH.test(match)) throw new RegistryError("REGISTRY_REQUEST_INVALID", `bad match pattern '${match}'`);
  return match;
}

/** Strictly validates parsed trust.json data. */
export function parseTrustStore(value: unknown): TrustStore {
  const top = exact(value, "", ["version", "registries", "keys", "policies", "tofu"], ["version", "registries", "keys", "policies", "tofu"]);
  if (top.version !== 1) corrupt("version", "must be 1");
  const store: TrustStore = { version: 1, registries: {}, keys: {}, policies: [], tofu: {} };
  for (const [url, entry] of Object.entries(record(top.registries, "registries"))) {
    const e = exact(entry, `registries.${url}`, ["rootSha256"], ["rootSha256"]);
    if (typeof e.rootSha256 !== "string" || !/^[0-9a-f]{64}$/.test(e.rootSha256)) corrupt(`registries.${url}.rootSha256`, "must be 64 lowercase hex");
    store.registries[url] = { rootSha256: e.rootSha256 };
  }
  for (const [id, entry] of Object.entries(record(top.keys, "keys"))) {
    const e = exact(entry, `keys.${id}`, ["publicKey", "publisher"], ["publicKey"]);
    const raw = typeof e.publicKey === "string" ? fromBase64(e.publicKey) : undefined;
    if (raw === undefined) corrupt(`keys.${id}.publicKey`, "must be base64");
    assertStrongPublicKey(raw);
    if (!isKeyId(id) || keyIdOf(raw) !== id) corrupt(`keys.${id}`, "key id is not the key's");
    const key: { publicKey: string; publisher?: string } = { publicKey: toBase64(raw) };
    if (e.publisher !== undefined) {
      if (typeof e.publisher !== "string" || !isPublisherId(e.publisher)) corrupt(`keys.${id}.publisher`, "not a publisher id");
      key.publisher = e.publisher;
    }
    store.keys[id] = key;
  }
  if (!Array.isArray(top.policies)) corrupt("policies", "must be a list");
  top.policies.forEach((entry: unknown, i) => {
    const path = `policies[${i}]`;
    const p = exact(entry, path, ["match", "mode", "keyids", "threshold"], ["match", "mode"]);
    if (typeof p.match !== "string" || !MATCH.test(p.match)) corrupt(`${path}.match`, "bad glob");
    if (!(TRUST_MODES as readonly unknown[]).includes(p.mode)) corrupt(`${path}.mode`, `must be one of ${TRUST_MODES.join(", ")}`);
    const policy: TrustPolicy = { match: p.match, mode: p.mode as TrustMode };
    if (policy.mode === "pinned") {
      policy.keyids = keyids(p.keyids, `${path}.keyids`);
      for (const id of policy.keyids) if (store.keys[id] === undefined) corrupt(`${path}.keyids`, `${id} is not in keys`);
      const threshold = p.threshold ?? 1;
      if (typeof threshold !== "number" || !Number.isSafeInteger(threshold) || threshold < 1 || threshold > policy.keyids.length) {
        corrupt(`${path}.threshold`, "must be an integer between 1 and the number of keyids");
      }
      policy.threshold = threshold;
    } else if (p.keyids !== undefined || p.threshold !== undefined) {
      corrupt(path, "keyids and threshold belong to pinned policies only");
    }
    store.policies.push(policy);
  });
  for (const [publisher, entry] of Object.entries(record(top.tofu, "tofu"))) {
    if (!isPublisherId(publisher)) corrupt(`tofu.${publisher}`, "not a publisher id");
    const e = exact(entry, `tofu.${publisher}`, ["keyids", "logIndex"], ["keyids"]);
    const pin: { keyids: KeyId[]; logIndex?: number } = { keyids: keyids(e.keyids, `tofu.${publisher}.keyids`) };
    if (e.logIndex !== undefined) {
      if (typeof e.logIndex !== "number" || !Number.isSafeInteger(e.logIndex) || e.logIndex < 0) corrupt(`tofu.${publisher}.logIndex`, "must be a non-negative integer");
      pin.logIndex = e.logIndex;
    }
    store.tofu[publisher] = pin;
  }
  return store;
}

/** Loads `trust.json` from `home`; a missing file gives {@link defaultTrustStore}. */
export async function loadTrustStore(home: string = agentgovHome()): Promise<TrustStore> {
  let bytes: Buffer;
  try {
    bytes = await readFile(trustStorePath(home));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return defaultTrustStore();
    throw error;
  }
  let json: unknown;
  try {
    json = parseJsonBounded(bytes, { maxBytes: MAX_TRUST_BYTES });
  } catch (error) {
    throw new RegistryError("REGISTRY_STORE_CORRUPT", "trust.json is not valid JSON", { cause: error });
  }
  return parseTrustStore(json);
}

/** Validates and writes `trust.json` atomically (mode 0600, home folder 0700). */
export async function saveTrustStore(store: TrustStore, home: string = agentgovHome()): Promise<void> {
  const checked = parseTrustStore(store);
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFileAtomic(trustStorePath(home), `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600 });
}
