/**
 * `createGovernanceServer`: the HTTP decision point. One kernel whose policy set is
 * hot-reloaded, a durable audit store, persisted operator controls, bearer-token auth,
 * and a `node:http` server with body limits and timeouts. Every error is answered as JSON
 * `{ code, message }`; no stack trace ever leaves the process.
 */
import { mkdirSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join, resolve } from "node:path";
import { createKernel, createKillSwitch, createQuarantine, type ConflictStrategy, type Kernel } from "@agentgov/core";
import { AGENTS_FILE, openAgentControls } from "./agent-controls.js";
import { agentsRoute, controlRoutes } from "./agent-routes.js";
import { recordApprovalsTo } from "./approval-audit.js";
import { storeApprovalHandler } from "./approval-handler.js";
import { approvalRoutes } from "./approval-routes.js";
import { createApprovalStore, type ApprovalStore } from "./approval-store.js";
import { auditRoute, auditVerifyRoute } from "./audit-routes.js";
import { auditEventsRoute } from "./audit-events-route.js";
import type { AuditStore } from "./audit-store.js";
import { consoleRoutes } from "./console-routes.js";
import type { Route, ServerContext } from "./context.js";
import { defaultDataDir } from "./data-dir.js";
import { decideRoute, outcomeRoute } from "./decide-route.js";
import { messageOf, ServerError } from "./errors.js";
import { sendError } from "./http.js";
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_JSON_DEPTH } from "./json-body.js";
import { jsonlAuditStore } from "./jsonl-store.js";
import type { SqliteSynchronous } from "./sqlite-audit/schema.js";
import { sqliteAuditStore } from "./sqlite-audit/store.js";
import { createMetrics } from "./metrics.js";
import { createPendingCalls } from "./pending-calls.js";
import { loadPolicySet, type PolicySetStatus } from "./policy-set.js";
import { watchPolicyDir } from "./policy-watcher.js";
import { compileRoutes } from "./router.js";
import { statusRoutes } from "./status-routes.js";
import { createAuthenticator, hasScope, readTokens, TOKENS_FILE, type StoredToken } from "./tokens.js";

/** Default port. */
export const DEFAULT_PORT = 8080;
/** Default host: loopback only (a sidecar is reached from its own pod or host). */
export const DEFAULT_HOST = "127.0.0.1";
/** Default policy directory, relative to `cwd`. */
export const DEFAULT_POLICY_DIR = "policies";
/** Default bound on requests in one `/v1/decide` batch. */
export const DEFAULT_MAX_BATCH = 1000;
/** Default bound on records per `/v1/audit` page. */
export const DEFAULT_MAX_PAGE_SIZE = 1000;
/** Default time for a whole request to arrive. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Default time for the request headers to arrive. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Default idle time of a keep-alive connection. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
const MAX_HEADER_BYTES = 16 * 1024;
/** Bytes of an unread request body drained after an early answer, before the socket is dropped. */
const MAX_DRAIN_BYTES = 8 * 1024 * 1024;

/** Options of {@link createGovernanceServer}. */
export interface GovernanceServerOptions {
  /** Policy directory (every *.yaml, *.yml, *.json in it, sorted). Default `./policies`. */
  policies?: string;
  /** Data directory (audit log, keys, tokens, agent holds). Default `$AGENTGOV_HOME/server`. */
  dataDir?: string;
  /** Base for relative paths. Default `process.cwd()`. */
  cwd?: string;
  /** Environment (for `AGENTGOV_HOME`). Default `process.env`. */
  env?: Record<string, string | undefined>;
  strategy?: ConflictStrategy;
  /** Audit store. Default: the one `auditStore` names, in the data directory. */
  audit?: AuditStore;
  /** Which built-in audit store to open when `audit` is not given: `sqlite` (default, `audit.db`) or `jsonl` (`audit.jsonl`). */
  auditStore?: "sqlite" | "jsonl";
  /** `synchronous` of the SQLite store: `normal` (default; survives a process crash) or `full` (every group commit fsyncs; survives a power loss). See docs/server.md. */
  auditSync?: SqliteSynchronous;
  /** Tokens. Default: read from `tokens.json` in the data directory (create it with `serve --init`). */
  tokens?: readonly StoredToken[];
  clock?: () => number;
  /** Receives log lines (reloads, reload failures, internal errors). Default: none. */
  log?: (line: string) => void;
  maxBodyBytes?: number;
  maxJsonDepth?: number;
  maxBatch?: number;
  /**
   * When `/v1/decide` (and `/v1/outcome`) answer: `durable` (default) once the record is
   * committed — a crash after the answer cannot lose it; one group commit per turn of the
   * event loop serves every waiting request — or `appended`, once it is appended (faster
   * answers; a crash loses the records of the last few milliseconds). See docs/server.md,
   * "Durability and performance".
   */
  ack?: "durable" | "appended";
  maxPageSize?: number;
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Bounds of the approval store (pending approvals, finished ones kept, longest lifetime in ms). */
  approvals?: { maxPending?: number; maxFinished?: number; maxExpiresInMs?: number };
  /** Hot reload (default true): fs.watch with this debounce, and a stat poll at this interval. */
  watch?: boolean;
  reloadDebounceMs?: number;
  reloadPollMs?: number;
}

/** A running (or ready) governance server. */
export interface GovernanceServer {
  /** Starts listening (default 127.0.0.1:8080; port 0 picks a free one). */
  listen(port?: number, host?: string): Promise<{ port: number; host: string }>;
  /** Stops accepting, ends connections, stops the watcher and seals the audit log. */
  close(): Promise<void>;
  /** Reloads the policy directory now (what the watcher does on a change). */
  reloadPolicies(): "unchanged" | "reloaded" | "failed";
  policyStatus(): PolicySetStatus;
  readonly kernel: Kernel;
  readonly audit: AuditStore;
  /** Pending and recent approvals (the server's kernel waits on them for `require_approval`). */
  readonly approvals: ApprovalStore;
  readonly dataDir: string;
}

/**
 * Builds the server: loads tokens, policies and agent holds, then opens the audit store.
 * Throws (`TOKENS_MISSING`, `POLICY_DIR`, `POLICY_LOAD`, `STATE_CORRUPT`, `AUDIT_IO`, …)
 * when any of them cannot be loaded: it never serves without its policies or its audit.
 */
export function createGovernanceServer(options: GovernanceServerOptions = {}): GovernanceServer {
  checkLimits(options);
  const cwd = options.cwd ?? process.cwd();
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(cwd, options.dataDir ?? defaultDataDir(options.env ?? process.env, cwd));
  const policyDir = resolve(cwd, options.policies ?? DEFAULT_POLICY_DIR);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tokens = options.tokens ?? readTokensChecked(join(dataDir, TOKENS_FILE), log);
  const authenticator = createAuthenticator(tokens);
  const policySetOptions: Parameters<typeof loadPolicySet>[0] = { dir: policyDir, clock, log };
  if (options.strategy !== undefined) policySetOptions.strategy = options.strategy;
  const policies = loadPolicySet(policySetOptions);
  const killSwitch = createKillSwitch();
  const quarantine = createQuarantine();
  const controls = openAgentControls({ path: join(dataDir, AGENTS_FILE), killSwitch, quarantine, clock });
  const audit = options.audit ?? openAuditStore(options, dataDir, clock);
  const pending = createPendingCalls({ clock });
  const metrics = createMetrics({
    auditLag: () => audit.lag(),
    auditHeadSeq: () => audit.sink.head().seq,
    auditFailed: () => audit.state() === "failed",
    policiesLoaded: () => policies.status().policies.length,
    reloads: () => policies.status().reloads,
    reloadFailures: () => policies.status().reloadFailures,
    killSwitchEngaged: () => killSwitch.engaged,
    heldAgents: () => Object.keys(controls.list()).filter((k) => k !== "*").length,
    pendingCalls: () => pending.count(),
    // Read at scrape time, after the store below exists.
    approvalsPending: () => approvals.pendingCount(),
  });
  const appendApproval = recordApprovalsTo(audit.sink);
  const approvals = createApprovalStore({
    ...options.approvals,
    clock,
    record(event) {
      try {
        appendApproval(event);
      } catch (error) {
        metrics.auditFailure();
        throw new ServerError("AUDIT_UNAVAILABLE", 503, `the audit log cannot take the approval record, so nothing changed: ${messageOf(error)}`);
      }
    },
    onRecordFailure(error, event) {
      log(`approval ${event.approval.id} expired, but its record could not be written: ${messageOf(error)}`);
    },
  });
  const kernel = createKernel({ engine: policies.engine, audit: audit.sink, killSwitch, quarantine, clock, approvals: storeApprovalHandler(approvals) });
  const ctx: ServerContext = {
    kernel,
    policies,
    audit,
    controls,
    pending,
    approvals,
    metrics,
    body: { maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, maxDepth: options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH },
    maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
    ack: options.ack ?? "durable",
    maxPageSize: options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE,
    clock,
    log,
  };
  const routes: Route[] = [decideRoute, outcomeRoute, auditRoute, auditVerifyRoute, auditEventsRoute, agentsRoute, ...controlRoutes, ...approvalRoutes, ...statusRoutes, ...consoleRoutes];

  const table = compileRoutes(routes);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let routeName = "unmatched";
    try {
      const url = parseUrl(req.url ?? "/");
      const match = table.match(req.method ?? "", url.pathname);
      if (match.route === null) {
        if (match.allowed.length > 0) throw Object.assign(new ServerError("METHOD_NOT_ALLOWED", 405, `${req.method ?? ""} is not allowed on ${url.pathname}`), { allow: match.allowed.join(", ") });
        throw new ServerError("NOT_FOUND", 404, `no route ${url.pathname}`);
      }
      const route = match.route;
      routeName = route.name;
      const principal = authenticator.authenticate(req.headers.authorization);
      if (route.scope !== null) {
        if (principal === null) throw new ServerError("UNAUTHENTICATED", 401, "a valid bearer token is required (Authorization: Bearer <token>)");
        if (!hasScope(principal, route.scope)) throw new ServerError("FORBIDDEN", 403, `this token lacks the '${typeof route.scope === "string" ? route.scope : route.scope.join("' or '")}' scope`);
      }
      await route.handle(ctx, { req, res, url, principal, params: match.params });
    } catch (error) {
      answerError(req, res, error, log);
    } finally {
      metrics.request(routeName, res.statusCode);
    }
  };

  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const server: Server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      requestTimeout,
      // node:http requires headersTimeout <= requestTimeout (0 disables the latter).
      headersTimeout: requestTimeout > 0 ? Math.min(headersTimeout, requestTimeout) : headersTimeout,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    },
    (req, res) => {
      void handle(req, res);
    },
  );
  server.maxHeadersCount = 100;
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    answerClientError(error, socket);
  });

  const stopWatching = options.watch === false ? () => undefined : watchPolicyDir(watcherOptions(policyDir, () => policies.reload(), options));
  let closing: Promise<void> | undefined;

  return {
    listen(port = DEFAULT_PORT, host = DEFAULT_HOST) {
      return new Promise((resolveListen, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          resolveListen({ port: address.port, host: address.address });
        });
      });
    },
    close() {
      closing ??= (async () => {
        stopWatching();
        approvals.close();
        const closed = new Promise<void>((done) => {
          server.close(() => {
            done();
          });
        });
        server.closeIdleConnections();
        const force = setTimeout(() => {
          server.closeAllConnections();
        }, 1000);
        force.unref();
        if (server.listening) await closed;
        clearTimeout(force);
        await audit.close();
      })();
      return closing;
    },
    reloadPolicies: () => policies.reload(),
    policyStatus: () => policies.status(),
    kernel,
    audit,
    approvals,
    dataDir,
  };
}

/** Parsed request targets without a query string, by target (routes only read them). */
const parsedTargets = new Map<string, URL>();
const MAX_PARSED_TARGETS = 64;
const MAX_CACHED_TARGET_LENGTH = 256;

/** The request target as a URL; a short one without a query is parsed once and reused. */
function parseUrl(target: string): URL {
  const cacheable = target.length <= MAX_CACHED_TARGET_LENGTH && !target.includes("?");
  const known = cacheable ? parsedTargets.get(target) : undefined;
  if (known !== undefined) return known;
  const url = new URL(target, "http://agentgov.invalid");
  if (cacheable) {
    if (parsedTargets.size >= MAX_PARSED_TARGETS) parsedTargets.clear();
    parsedTargets.set(target, url);
  }
  return url;
}

/** Opens the built-in audit store `options.auditStore` names (SQLite by default). */
function openAuditStore(options: GovernanceServerOptions, dir: string, clock: () => number): AuditStore {
  const kind: unknown = options.auditStore ?? "sqlite";
  if (kind === "jsonl") return jsonlAuditStore({ dir, clock });
  if (kind !== "sqlite") throw new ServerError("INVALID_OPTIONS", 500, `auditStore must be "sqlite" or "jsonl", got ${String(kind)}`);
  return sqliteAuditStore(options.auditSync === undefined ? { dir, clock } : { dir, clock, synchronous: options.auditSync });
}

/** Throws `INVALID_OPTIONS` unless every numeric limit is a positive integer (timeouts may be 0: off). */
function checkLimits(options: GovernanceServerOptions): void {
  const ack: unknown = options.ack;
  if (ack !== undefined && ack !== "durable" && ack !== "appended") throw new ServerError("INVALID_OPTIONS", 500, `ack must be "durable" or "appended", got ${typeof ack === "string" ? ack : typeof ack}`);
  const positive = ["maxBodyBytes", "maxJsonDepth", "maxBatch", "maxPageSize", "reloadDebounceMs", "reloadPollMs"] as const;
  const nonNegative = ["requestTimeoutMs", "headersTimeoutMs", "keepAliveTimeoutMs"] as const;
  for (const key of [...positive, ...nonNegative]) {
    const value = options[key];
    if (value === undefined) continue;
    const min = (positive as readonly string[]).includes(key) ? 1 : 0;
    if (!Number.isSafeInteger(value) || value < min) throw new ServerError("INVALID_OPTIONS", 500, `${key} must be an integer >= ${min}, got ${String(value)}`);
  }
}

function watcherOptions(dir: string, onChange: () => void, options: GovernanceServerOptions): Parameters<typeof watchPolicyDir>[0] {
  const out: Parameters<typeof watchPolicyDir>[0] = { dir, onChange };
  if (options.reloadDebounceMs !== undefined) out.debounceMs = options.reloadDebounceMs;
  if (options.reloadPollMs !== undefined) out.pollMs = options.reloadPollMs;
  return out;
}

function readTokensChecked(path: string, log: (line: string) => void): StoredToken[] {
  const tokens = readTokens(path);
  try {
    if ((statSync(path).mode & 0o077) !== 0) log(`warning: ${path} is readable by other users; chmod 600 it`);
  } catch {
    // readTokens just read it; a race here only skips the warning.
  }
  return tokens;
}

/** Answers a handler error; an unread request body is drained (bounded) or the connection dropped. */
function answerError(req: IncomingMessage, res: ServerResponse, error: unknown, log: (line: string) => void): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  if (!req.complete) headers.connection = "close";
  if (error instanceof ServerError) {
    const allow = (error as ServerError & { allow?: string }).allow;
    if (allow !== undefined) headers.allow = allow;
    if (error.status === 401) headers["www-authenticate"] = 'Bearer realm="agentgov"';
    sendError(res, error.status, error.code, error.message, {}, headers);
  } else {
    log(`internal error: ${messageOf(error)}`);
    sendError(res, 500, "INTERNAL", "internal error; see the server log", {}, headers);
  }
  if (!req.complete) {
    let drained = 0;
    req.on("data", (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > MAX_DRAIN_BYTES) req.socket.destroy();
    });
    req.resume();
  }
}

function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, text, code] =
    error.code === "HPE_HEADER_OVERFLOW" ? [431, "Request Header Fields Too Large", "BAD_REQUEST"]
    : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, "Request Timeout", "BAD_REQUEST"]
    : [400, "Bad Request", "BAD_REQUEST"];
  const body = JSON.stringify({ code, message: `malformed HTTP request (${error.code ?? "unknown"})` });
  socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
