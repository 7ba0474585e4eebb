/**
 * `@agentgov/rl-guard/agl-v1` (RL-GUARD.md §10.1): the agent side of Agent Lightning v1 over
 * plain HTTP. Reads `AGL_EVENT_URL`, `AGL_KEY` and `AGL_OPENAI_BASE_URL`, derives the rollout,
 * attempt and mode from the event URL, and posts the episode's chain, summary and signed
 * reward as events with `Authorization: Bearer <AGL_KEY>`: timeouts on every request, retries
 * on 408/429/5xx and network errors (at most {@link MAX_TRIES} tries), any other failure an
 * `RL_CONTROLLER_UNREACHABLE` error. Also: `fetchRunState` for the split topology (the harness
 * refuses to start without the controller) and `scrubEnv` for tool subprocesses.
 */
import { rlError } from "../../errors.js";
import type { RunStateV1 } from "../../guard.js";
import type { RewardRecordV1 } from "../../integrity/record.js";
import { isObject } from "../../internal/canonical.js";
import { SEVERITIES, type EpisodeMode, type EpisodeRef } from "../../types.js";

/** Most audit records per `agentgov.rl.chain` event. */
export const CHAIN_CHUNK = 64;
/** Most tries of one request (the first included). */
export const MAX_TRIES = 4;
/** Default per-request timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** What the Agent Lightning v1 runner hands the agent process. */
export interface AglEnv {
  eventUrl: string;
  key: string;
  /** The Gateway's OpenAI-compatible proxy (undefined when not set). */
  openaiBaseUrl: string | undefined;
  rolloutId: string;
  attemptId: string;
  mode: EpisodeMode;
}

/** One event as posted to the Gateway. */
export interface AglEvent {
  event_type: string;
  data: Record<string, unknown>;
}

const EVENTS_PATH = /\/api\/rollouts\/([^/]+)\/attempt\/([^/]+)\/events\/?$/;
const MODE = /\/mode\/(train|val)\//;

function decodeId(raw: string, what: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw rlError("RL_CONFIG_INVALID", `AGL_EVENT_URL: the ${what} is not valid percent-encoding`);
  }
  if (id === "" || id.length > 256) throw rlError("RL_CONFIG_INVALID", `AGL_EVENT_URL: the ${what} must be 1–256 characters`);
  return id;
}

/**
 * Reads the Agent Lightning v1 environment.
 * @throws `RL_CONFIG_INVALID` when a variable is missing or the event URL has no rollout, attempt or mode.
 */
export function readAglEnv(env: Readonly<Record<string, string | undefined>> = process.env): AglEnv {
  const eventUrl = env.AGL_EVENT_URL;
  const key = env.AGL_KEY;
  if (eventUrl === undefined || eventUrl === "") throw rlError("RL_CONFIG_INVALID", "AGL_EVENT_URL is not set");
  if (key === undefined || key === "") throw rlError("RL_CONFIG_INVALID", "AGL_KEY is not set");
  if (Array.from(key, (ch) => ch.charCodeAt(0)).some((c) => c <= 0x20 || c === 0x7f)) throw rlError("RL_CONFIG_INVALID", "AGL_KEY contains whitespace or control characters");
  let url: URL;
  try {
    url = new URL(eventUrl);
  } catch {
    throw rlError("RL_CONFIG_INVALID", "AGL_EVENT_URL is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw rlError("RL_CONFIG_INVALID", "AGL_EVENT_URL must be http(s)");
  if (url.username !== "" || url.password !== "") throw rlError("RL_CONFIG_INVALID", "AGL_EVENT_URL must not carry credentials");
  const ids = EVENTS_PATH.exec(url.pathname);
  if (ids === null) throw rlError("RL_CONFIG_INVALID", "AGL_EVENT_URL has no /api/rollouts/{rid}/attempt/{aid}/events path");
  const mode = MODE.exec(url.pathname);
  if (mode === null) throw rlError("RL_CONFIG_INVALID", "AGL_EVENT_URL has no /mode/{train|val}/ segment");
  const base = env.AGL_OPENAI_BASE_URL;
  return {
    eventUrl: url.href,
    key,
    openaiBaseUrl: base === undefined || base === "" ? undefined : base,
    rolloutId: decodeId(ids[1] as string, "rollout id"),
    attemptId: decodeId(ids[2] as string, "attempt id"),
    mode: mode[1] as EpisodeMode,
  };
}

/** The episode identity of this Agent Lightning attempt. */
export function aglEpisodeRef(env: AglEnv, runId: string): EpisodeRef {
  return { runId, rolloutId: env.rolloutId, attemptId: env.attemptId, mode: env.mode };
}

/** True for a variable tool subprocesses must not see. */
export function isSecretEnvName(name: string): boolean {
  return name.startsWith("AGL_") || name.startsWith("AGENTGOV_") || /KEY|TOKEN|SECRET/i.test(name);
}

/** A copy of `env` without `AGL_*`, `AGENTGOV_*` and `/KEY|TOKEN|SECRET/i` variables: the env of tool subprocesses. */
export function scrubEnv(env: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && !isSecretEnvName(name)) out[name] = value;
  return out;
}

/** Options of the HTTP helpers. */
export interface HttpOptions {
  /** Per-request timeout (default {@link DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Tries per request, 1…{@link MAX_TRIES} (default {@link MAX_TRIES}). */
  tries?: number;
  /** Delay before retry `n` (1-based; default 100 ms · 2^(n−1)). */
  backoffMs?: (retry: number) => number;
  /** The fetch implementation (default global `fetch`). */
  fetch?: typeof fetch;
  /** Aborts the whole operation. */
  signal?: AbortSignal;
}

const RETRYABLE = (status: number): boolean => status === 408 || status === 429 || status >= 500;
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Sends one request with retries; resolves with the final 2xx response. */
async function request(url: string, init: { method: string; headers: Record<string, string>; body?: string }, o: HttpOptions): Promise<Response> {
  const doFetch = o.fetch ?? fetch;
  const tries = Math.min(MAX_TRIES, Math.max(1, Math.floor(o.tries ?? MAX_TRIES)));
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const backoff = o.backoffMs ?? ((n: number) => 100 * 2 ** (n - 1));
  let last = "no attempt";
  for (let attempt = 1; attempt <= tries; attempt++) {
    if (attempt > 1) {
      try {
        await sleep(backoff(attempt - 1), o.signal);
      } catch (error) {
        throw rlError("RL_CONTROLLER_UNREACHABLE", `${init.method} ${url}: aborted`, { cause: error });
      }
    }
    if (o.signal?.aborted === true) throw rlError("RL_CONTROLLER_UNREACHABLE", `${init.method} ${url}: aborted`, { cause: o.signal.reason });
    const signals = [AbortSignal.timeout(timeoutMs), ...(o.signal === undefined ? [] : [o.signal])];
    let res: Response;
    try {
      res = await doFetch(url, { ...init, signal: AbortSignal.any(signals), redirect: "error" });
    } catch (error) {
      last = `network error: ${(error as Error).message}`;
      continue;
    }
    if (res.ok) return res;
    await res.body?.cancel().catch(() => undefined);
    last = `HTTP ${res.status}`;
    if (!RETRYABLE(res.status)) break;
  }
  throw rlError("RL_CONTROLLER_UNREACHABLE", `${init.method} ${url} failed: ${last}`);
}

/** A client posting events of one attempt to the Gateway. */
export interface AglClient {
  readonly env: AglEnv;
  /** Posts one event. @throws `RL_CONTROLLER_UNREACHABLE` */
  postEvent(event: AglEvent): Promise<void>;
}

/** A client for the attempt described by `env`. */
export function createAglClient(env: AglEnv, options: HttpOptions = {}): AglClient {
  return {
    env,
    async postEvent(event) {
      const res = await request(env.eventUrl, {
        method: "POST",
        headers: { authorization: `Bearer ${env.key}`, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(event),
      }, options);
      await res.body?.cancel().catch(() => undefined);
    },
  };
}

/** The events of a finished episode, in posting order: chain chunks, summary, reward (the trainer takes the last reward). */
export function episodeEvents(records: readonly unknown[], record: RewardRecordV1): AglEvent[] {
  const events: AglEvent[] = [];
  for (let from = 0; from < records.length; from += CHAIN_CHUNK) {
    events.push({ event_type: "agentgov.rl.chain", data: { v: 1, from, records: records.slice(from, from + CHAIN_CHUNK) } });
  }
  const violations: Record<string, number> = {};
  for (const s of SEVERITIES) if (record.violations[s] > 0) violations[s] = record.violations[s];
  const toolCalls = records.filter((r) => isObject(r) && r.stage === "pre_tool").length;
  events.push({ event_type: "agentgov.rl.summary", data: { v: 1, phase: record.phase, tool_calls: toolCalls, blocked: record.blocked, violations } });
  events.push({ event_type: "reward", data: { value: record.final, source: "agentgov", reason: record.reason, agentgov: record } });
  return events;
}

/**
 * Posts a finished episode: its log as `agentgov.rl.chain` events (≤ {@link CHAIN_CHUNK}
 * records each), an `agentgov.rl.summary` and the `reward` carrying the signed record.
 * @throws `RL_INVALID_STATE` (nothing is sent) when the record is not bound to this attempt or mode;
 *   `RL_CONTROLLER_UNREACHABLE` when an event cannot be delivered (later events are not sent).
 */
export async function reportEpisode(client: AglClient, records: readonly unknown[], record: RewardRecordV1): Promise<void> {
  const env = client.env;
  if (record.rollout_id !== env.rolloutId || record.attempt_id !== env.attemptId || record.mode !== env.mode) {
    throw rlError("RL_INVALID_STATE", `the reward record is bound to ${record.rollout_id}/${record.attempt_id}/${record.mode}, not to this attempt ${env.rolloutId}/${env.attemptId}/${env.mode}`);
  }
  if (record.chain.len !== records.length) throw rlError("RL_INVALID_STATE", `the log has ${records.length} records, the reward record's chain ${record.chain.len}`);
  for (const event of episodeEvents(records, record)) await client.postEvent(event);
}

/** Largest run-state response read, in bytes. */
export const MAX_STATE_BYTES = 64 * 1024;

/**
 * Reads `GET /v1/run/state` from the guard server (split topology, at episode start).
 * @throws `RL_CONTROLLER_UNREACHABLE` when the server cannot be reached or answers anything but a valid `RunStateV1`.
 */
export async function fetchRunState(serverUrl: string, token: string, options: HttpOptions = {}): Promise<RunStateV1> {
  const url = new URL("/v1/run/state", serverUrl).href;
  const res = await request(url, { method: "GET", headers: { authorization: `Bearer ${token}`, accept: "application/json" } }, options);
  let body: unknown;
  try {
    const text = await res.text();
    if (Buffer.byteLength(text, "utf8") > MAX_STATE_BYTES) throw new Error("response too large");
    body = JSON.parse(text) as unknown;
  } catch (error) {
    throw rlError("RL_CONTROLLER_UNREACHABLE", `GET ${url}: unreadable response: ${(error as Error).message}`, { cause: error });
  }
  if (!isRunState(body)) throw rlError("RL_CONTROLLER_UNREACHABLE", `GET ${url}: the response is not a RunStateV1`);
  return body;
}

function isRunState(v: unknown): v is RunStateV1 {
  return isObject(v) && typeof v.run_id === "string" && Number.isSafeInteger(v.epoch) && typeof v.phase === "string"
    && typeof v.policy_version === "string" && /^[0-9a-f]{64}$/.test(v.policy_version)
    && typeof v.penalty_scale === "number" && v.penalty_scale >= 0 && v.penalty_scale <= 1 && typeof v.killed === "boolean";
}
