/**
 * `@agentgov/rl-guard/server` (RL-GUARD.md §10.2): the guard server on `node:http`.
 *
 * | Route | Auth | Purpose |
 * |---|---|---|
 * | `GET /healthz` · `GET /metrics` | none (loopback) | liveness · Prometheus text (when `metrics` is given) |
 * | `POST /get_reward/{path_token}` | secret path token | OpenRLHF-style remote reward: transcript audit, shaped and signed |
 * | `GET /v1/run/state` | bearer | the run state harnesses start episodes from (split topology) |
 * | `POST /v1/verify` | bearer | trainer hook: verifies the reward record of an attempt's events |
 *
 * Binds loopback only (a non-loopback host would need a source allow-list, which this server
 * does not implement, so it refuses). Bodies are `application/json`, ≤ 1 MiB, ≤ 64 deep;
 * garbage is a 400 `{code, message}` and changes nothing; handlers time out (503); any
 * unexpected error is a 500 that leaks no detail.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isRlError, rlError } from "../errors.js";
import type { RlGuard, RunStateV1 } from "../guard.js";
import type { TrustedKeys } from "../integrity/keys.js";
import { BoundedNonceSet, type NonceStore } from "../integrity/nonces.js";
import type { RewardRecordV1 } from "../integrity/record.js";
import { verifyRewardRecord, type VerifyFailure, type VerifyResult } from "../integrity/verify.js";
import { canonicalJson, isObject, sha256Hex } from "../internal/canonical.js";
import type { RlRun } from "../run/run.js";
import { SEVERITIES } from "../types.js";
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_DEPTH, HttpError, readJson, requireBearer, secretEquals, sendError, sendJson } from "./http.js";
import { EXTRACTORS, type ToolCallExtractor } from "./transcript.js";

export { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_DEPTH, jsonDepth } from "./http.js";
export { extractHermes, extractOpenAiJson, EXTRACTORS, MAX_EXTRACTED_CALLS, type ToolCallExtractor } from "./transcript.js";

/** Scores one OpenRLHF sample (the unshaped base reward). */
export type Scorer = (sample: { query: string; prompt: string | undefined; label: unknown }) => number | Promise<number>;

/** Options of the guard server. */
export interface RlGuardServerOptions {
  /** The guard: config, run state, kill switch, and the signer of transcript-audit records. */
  guard: RlGuard;
  /** Trusted keys of `POST /v1/verify`. */
  keys: TrustedKeys;
  /** Bearer token of the `/v1/*` routes (≥ 16 characters). */
  token: string;
  /** The run controller: verified records are ingested (verify-then-aggregate). */
  run?: RlRun;
  /** Seen nonces when no `run` is given (default a fresh {@link BoundedNonceSet}). */
  nonces?: NonceStore;
  /** Enables `POST /get_reward/{pathToken}`. */
  reward?: { pathToken: string; scorer: Scorer; extract?: "hermes" | "openai-json" | ToolCallExtractor };
  /** Prometheus text of `GET /metrics` (404 when absent). */
  metrics?: () => string;
  /** Bind address (default 127.0.0.1; loopback only). */
  host?: string;
  /** Port (default 0: ephemeral). */
  port?: number;
  /** Largest body (default 1 MiB). */
  maxBodyBytes?: number;
  /** Deepest JSON body (default 64). */
  maxDepth?: number;
  /** Handler timeout (default 10 s). */
  handlerTimeoutMs?: number;
  /** Most samples per `get_reward` request (default {@link MAX_REWARD_BATCH}). */
  maxBatch?: number;
}

/** A running server. */
export interface RlGuardServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** Default most samples per `get_reward` request. */
export const MAX_REWARD_BATCH = 1024;
/** Most events per `POST /v1/verify`. */
export const MAX_VERIFY_EVENTS = 10_000;
/** Longest id accepted in requests. */
export const MAX_ID_LENGTH = 256;

/** `POST /v1/verify` answer (wire object). */
export type VerifyResponseV1 =
  | { ok: true; final: number; keyid: string; reason: null }
  | { ok: false; final: number; keyid: null; reason: VerifyFailure; detail: string };

/** OpenRLHF remote reward answer (wire object). */
export interface RemoteRewardResponse {
  rewards: number[];
  scores: number[];
  extra_logs: { "agentgov/penalty": number[]; "agentgov/violations": number[]; "agentgov/blocked": number[] };
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const PATH_TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

/**
 * The request handler (for embedding in an existing `node:http` server).
 * @throws `RL_CONFIG_INVALID` on a weak token, a malformed path token or an unknown extractor.
 */
export function createRlGuardHandler(options: RlGuardServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  if (typeof options.token !== "string" || options.token.length < 16 || !/^[\x21-\x7e]+$/.test(options.token)) {
    throw rlError("RL_CONFIG_INVALID", "the server token must be at least 16 printable characters");
  }
  const reward = options.reward;
  if (reward !== undefined && !PATH_TOKEN.test(reward.pathToken)) throw rlError("RL_CONFIG_INVALID", "the get_reward path token must be 16–256 characters of [A-Za-z0-9_-]");
  const extract: ToolCallExtractor | undefined = reward === undefined ? undefined
    : typeof reward.extract === "function" ? reward.extract : EXTRACTORS[reward.extract ?? "hermes"];
  if (reward !== undefined && typeof extract !== "function") throw rlError("RL_CONFIG_INVALID", "unknown transcript extractor");
  const { guard } = options;
  const config = guard.config;
  const nonces = options.nonces ?? new BoundedNonceSet();
  const limits = { maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH };
  const timeoutMs = options.handlerTimeoutMs ?? 10_000;
  const maxBatch = options.maxBatch ?? MAX_REWARD_BATCH;
  const floor = config.signing.integrityFloor;

  const state = (): RunStateV1 => options.run?.state() ?? guard.state();

  const verify = async (body: unknown): Promise<VerifyResponseV1> => {
    if (!isObject(body)) throw new HttpError(400, "bad_request", "the body must be a JSON object");
    for (const k of Object.keys(body)) if (!["run_id", "rollout_id", "attempt_id", "events"].includes(k)) throw new HttpError(400, "bad_request", `unknown member '${k}'`);
    const ids = ["run_id", "rollout_id", "attempt_id"].map((k) => body[k]);
    if (!ids.every((x): x is string => typeof x === "string" && x !== "" && x.length <= MAX_ID_LENGTH)) throw new HttpError(400, "bad_request", `run_id, rollout_id and attempt_id must be 1–${MAX_ID_LENGTH} character strings`);
    const events = body.events;
    if (!Array.isArray(events) || events.length > MAX_VERIFY_EVENTS || !events.every((e) => isObject(e) && typeof e.event_type === "string")) {
      throw new HttpError(400, "bad_request", `events must be an array of at most ${MAX_VERIFY_EVENTS} objects with a string event_type`);
    }
    const [runId, rolloutId, attemptId] = ids as [string, string, string];
    const failed = (reason: VerifyFailure, detail: string): VerifyResponseV1 => ({ ok: false, final: floor, keyid: null, reason, detail });
    if (runId !== config.run.id) return failed("replay", `this server verifies run ${config.run.id}, not ${runId}`);
    const parts = assemble(events as Record<string, unknown>[]);
    if ("reason" in parts) return failed(parts.reason, parts.detail);
    // Checked before verification so that a mismatch does not consume the record's nonce.
    if (!isObject(parts.record) || parts.value !== parts.record.final) return failed("rederive-mismatch", "the reward event's value differs from the record's final");
    let result: VerifyResult;
    if (options.run !== undefined) result = await options.run.ingest(parts.record, parts.log, { rolloutId, attemptId });
    else result = await verifyRewardRecord(parts.record, parts.log, { keys: options.keys, config, expect: { runId, rolloutId, attemptId }, nonces });
    if (!result.ok) return failed(result.reason, result.detail);
    return { ok: true, final: result.final, keyid: result.record.keyid, reason: null };
  };

  const getReward = async (body: unknown): Promise<RemoteRewardResponse> => {
    if (reward === undefined || extract === undefined) throw new HttpError(404, "not_found", "no such route");
    if (!isObject(body)) throw new HttpError(400, "bad_request", "the body must be a JSON object");
    const { query, prompts, labels } = body;
    if (!Array.isArray(query) || query.length === 0 || query.length > maxBatch || !query.every((q) => typeof q === "string")) {
      throw new HttpError(400, "bad_request", `query must be 1–${maxBatch} strings`);
    }
    if (prompts !== undefined && (!Array.isArray(prompts) || prompts.length !== query.length || !prompts.every((p) => typeof p === "string"))) {
      throw new HttpError(400, "bad_request", "prompts must be strings, one per query");
    }
    if (labels !== undefined && (!Array.isArray(labels) || labels.length !== query.length)) throw new HttpError(400, "bad_request", "labels must have one entry per query");
    const queries = query;
    let calls;
    try {
      calls = queries.map((q) => extract(q));
    } catch (error) {
      throw new HttpError(400, "bad_transcript", `a transcript cannot be read: ${(error as Error).message}`);
    }
    if (guard.killSwitch.engaged) throw new HttpError(503, "RL_KILLED", "the kill switch is engaged");
    const bases: number[] = [];
    for (const [i, q] of queries.entries()) {
      let score: unknown;
      try {
        score = await reward.scorer({ query: q, prompt: (prompts)?.[i], label: (labels as unknown[] | undefined)?.[i] });
      } catch {
        throw new HttpError(500, "scorer_failed", `the scorer failed on sample ${i}`);
      }
      if (typeof score !== "number" || !Number.isFinite(score)) throw new HttpError(500, "scorer_failed", `the scorer returned no finite number for sample ${i}`);
      bases.push(score);
    }
    const out: RemoteRewardResponse = { rewards: [], scores: [], extra_logs: { "agentgov/penalty": [], "agentgov/violations": [], "agentgov/blocked": [] } };
    for (const [i, q] of queries.entries()) {
      const rolloutId = `q:${sha256Hex(q)}`;
      let record: RewardRecordV1;
      let log: readonly unknown[];
      try {
        const ep = guard.beginEpisode({ runId: config.run.id, rolloutId, attemptId: "0", mode: "train" });
        for (const call of calls[i] ?? []) if (!ep.signal.aborted) ep.gate(call);
        record = await ep.finish({ base: bases[i] as number });
        log = ep.log.records();
      } catch (error) {
        if (isRlError(error, "RL_KILLED")) throw new HttpError(503, "RL_KILLED", "the kill switch is engaged");
        throw error;
      }
      if (options.run !== undefined) {
        const v = await options.run.ingest(record, log, { rolloutId, attemptId: "0" });
        if (!v.ok) throw new HttpError(500, "RL_INTEGRITY_FAILED", `the server's own record failed verification: ${v.reason}`);
      }
      out.rewards.push(record.final);
      out.scores.push(bases[i] as number);
      out.extra_logs["agentgov/penalty"].push(record.penalty);
      out.extra_logs["agentgov/violations"].push(SEVERITIES.reduce((n, s) => n + record.violations[s], 0));
      out.extra_logs["agentgov/blocked"].push(record.blocked);
    }
    return out;
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    const method = req.method ?? "";
    const only = (m: string): void => {
      if (method !== m) throw new HttpError(405, "method_not_allowed", `use ${m}`);
    };
    if (path === "/healthz") {
      only("GET");
      sendJson(res, 200, { ok: true });
    } else if (path === "/metrics" && options.metrics !== undefined) {
      only("GET");
      const text = options.metrics();
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" }).end(text);
    } else if (path === "/v1/run/state") {
      only("GET");
      requireBearer(req, options.token);
      sendJson(res, 200, state());
    } else if (path === "/v1/verify") {
      only("POST");
      requireBearer(req, options.token);
      sendJson(res, 200, await verify(await readJson(req, limits)));
    } else if (path.startsWith("/get_reward/") && reward !== undefined && secretEquals(path.slice("/get_reward/".length), reward.pathToken)) {
      only("POST");
      sendJson(res, 200, await getReward(await readJson(req, limits)));
    } else throw new HttpError(404, "not_found", "no such route");
  };

  return (req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => { reject(new HttpError(503, "timeout", "the handler timed out")); }, timeoutMs);
    });
    Promise.race([route(req, res), timeout])
      .catch((error: unknown) => {
        sendError(res, error instanceof HttpError ? error : new HttpError(500, "internal_error", "internal error"));
        if (!(error instanceof HttpError) || error.code === "timeout") req.resume();
      })
      .finally(() => { clearTimeout(timer); });
  };
}

/**
 * Starts the guard server on loopback.
 * @throws `RL_CONFIG_INVALID` for a non-loopback host or bad options.
 */
export async function startRlGuardServer(options: RlGuardServerOptions): Promise<RlGuardServer> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host)) throw rlError("RL_CONFIG_INVALID", `refusing to bind ${host}: only loopback is supported (no source allow-list)`);
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, createRlGuardHandler(options));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    server,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    }),
  };
}

/** The chain and reward of an attempt's raw events. */
type Assembled = { log: unknown[]; record: unknown; value: unknown } | { reason: VerifyFailure; detail: string };

/**
 * Rebuilds the episode log from `agentgov.rl.chain` events (identical duplicates tolerated,
 * conflicting ones or gaps fail as `chain`) and takes the **last** `reward` event, as the
 * trainer does.
 */
export function assemble(events: readonly Record<string, unknown>[]): Assembled {
  const chunks = new Map<number, { records: unknown[]; text: string }>();
  let last: Record<string, unknown> | undefined;
  for (const [i, e] of events.entries()) {
    if (e.event_type === "reward") last = isObject(e.data) ? e.data : {};
    if (e.event_type !== "agentgov.rl.chain") continue;
    const d = e.data;
    if (!isObject(d) || d.v !== 1 || !Number.isSafeInteger(d.from) || (d.from as number) < 0 || !Array.isArray(d.records) || d.records.length === 0) {
      return { reason: "chain", detail: `event ${i}: malformed agentgov.rl.chain event` };
    }
    const from = d.from as number;
    const text = canonicalJson(d.records);
    const seen = chunks.get(from);
    if (seen !== undefined && seen.text !== text) return { reason: "chain", detail: `event ${i}: conflicting chain events from ${from}` };
    chunks.set(from, { records: d.records as unknown[], text });
  }
  const log: unknown[] = [];
  for (const from of [...chunks.keys()].sort((a, b) => a - b)) {
    if (from !== log.length) return { reason: "chain", detail: `chain events leave a gap or overlap at record ${from}` };
    log.push(...(chunks.get(from) as { records: unknown[] }).records);
  }
  if (last === undefined) return { reason: "malformed", detail: "the attempt has no reward event" };
  if (!("agentgov" in last)) return { reason: "malformed", detail: "the last reward event carries no agentgov record" };
  return { log, record: last.agentgov, value: last.value };
}
