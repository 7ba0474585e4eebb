/**
 * `agentgov serve [--port <n>] [--host <h>] [--policies <dir>] [--data <dir>] [--audit sqlite|jsonl]
 * [--audit-sync normal|full] [--ack durable|appended] [--init] [--dev]`: runs the governance
 * server until SIGINT/SIGTERM (or `io.signal`), or with `--init` creates the admin token
 * file and prints the token once. `--dev` (what `npm start` runs)
 * keeps the data in `./.agentgov/server` unless `$AGENTGOV_HOME` is set and, on first
 * start, creates the tokens: an admin token printed once beside the console URL, and a
 * `decide` token for local agents in `<data>/agent-token`. Exit 0 ok, 1 failure, 2 usage.
 */
import { existsSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "./atomic-file.js";
import { defaultDataDir } from "./data-dir.js";
import { messageOf } from "./errors.js";
import { createGovernanceServer, DEFAULT_HOST, DEFAULT_POLICY_DIR, DEFAULT_PORT } from "./server.js";
import { issueToken, TOKENS_FILE } from "./tokens.js";

/** The file, in the data directory, where `--dev` keeps the local agents' `decide` token (mode 0600). */
export const DEV_AGENT_TOKEN_FILE = "agent-token";
/** The environment variable that sets the port when `--port` is not given. */
export const PORT_VARIABLE = "AGENTGOV_PORT";

/** The process surface `serveCommand` uses (the CLI's io; `signal` stops the server, for tests and embedding). */
export interface ServeIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  cwd: string;
  signal?: AbortSignal;
}

const USAGE = `usage: agentgov serve [--port <n>] [--host <host>] [--policies <dir>] [--data <dir>] [--audit sqlite|jsonl] [--audit-sync normal|full] [--ack durable|appended] [--init] [--dev]

  --port       port to listen on (default $${PORT_VARIABLE}, else ${DEFAULT_PORT}; 0 picks a free one)
  --host       address to bind (default ${DEFAULT_HOST})
  --policies   policy directory, hot-reloaded (default ./${DEFAULT_POLICY_DIR})
  --data       data directory: audit log, keys, tokens, agent holds (default $AGENTGOV_HOME/server;
               with --dev and no AGENTGOV_HOME: ./.agentgov/server)
  --audit      audit store in the data directory: sqlite (default, audit.db) or jsonl (audit.jsonl)
  --audit-sync SQLite commit durability: normal (default; survives a process crash, not a power loss) or full (fsync per group commit)
  --ack        when /v1/decide and /v1/outcome answer: durable (default; once the record is committed) or
               appended (once it is appended; lower latency, a crash can lose the last few ms of answered records)
  --init       create the admin token file in the data directory, print the token once, exit
  --dev        local development (npm start): when the data directory has no tokens file, create one
               with an admin token (printed once, with the console URL) and a decide token for local
               agents in <data>/${DEV_AGENT_TOKEN_FILE} (0600); then serve as usual
  -h, --help   print this help
`;

/** Runs `agentgov serve`; resolves with the exit code. */
export async function serveCommand(argv: string[], io: ServeIo): Promise<number> {
  const line = (stream: NodeJS.WritableStream, text: string): void => {
    stream.write(text + "\n");
  };
  let values: { port?: string | undefined; host?: string | undefined; policies?: string | undefined; data?: string | undefined; init?: boolean | undefined; dev?: boolean | undefined; help?: boolean | undefined; audit?: string | undefined; "audit-sync"?: string | undefined; ack?: string | undefined };
  try {
    const parsed = parseArgs({
      args: argv,
      options: { port: { type: "string" }, host: { type: "string" }, policies: { type: "string" }, data: { type: "string" }, audit: { type: "string" }, "audit-sync": { type: "string" }, ack: { type: "string" }, init: { type: "boolean" }, dev: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      allowPositionals: false,
      strict: true,
    });
    values = parsed.values;
  } catch (error) {
    line(io.stderr, `agentgov serve: ${messageOf(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  const portEnv = io.env[PORT_VARIABLE];
  const portText = values.port ?? (portEnv === undefined || portEnv === "" ? undefined : portEnv);
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (portText !== undefined && (!/^\d{1,5}$/.test(portText) || port > 65535)) {
    const source = values.port === undefined ? PORT_VARIABLE : "--port";
    line(io.stderr, `agentgov serve: ${source} must be an integer from 0 to 65535, got '${portText}'\n${USAGE}`);
    return 2;
  }
  const host = values.host ?? DEFAULT_HOST;
  const auditStore = values.audit ?? "sqlite";
  if (auditStore !== "sqlite" && auditStore !== "jsonl") {
    line(io.stderr, `agentgov serve: --audit must be sqlite or jsonl, got '${auditStore}'\n${USAGE}`);
    return 2;
  }
  const auditSync = values["audit-sync"] ?? "normal";
  if (auditSync !== "full" && auditSync !== "normal") {
    line(io.stderr, `agentgov serve: --audit-sync must be full or normal, got '${auditSync}'\n${USAGE}`);
    return 2;
  }
  const ack = values.ack ?? "durable";
  if (ack !== "durable" && ack !== "appended") {
    line(io.stderr, `agentgov serve: --ack must be durable or appended, got '${ack}'\n${USAGE}`);
    return 2;
  }
  const dev = values.dev === true;
  const dataDir = values.data !== undefined ? resolve(io.cwd, values.data) : dev ? devDataDir(io.env, io.cwd) : defaultDataDir(io.env, io.cwd);

  if (values.init === true) {
    const path = join(dataDir, TOKENS_FILE);
    try {
      const token = issueToken(path, { id: "admin", scopes: ["admin"], exclusive: true });
      line(io.stderr, `created ${path} (mode 0600) with an admin token; it is shown once, store it now:`);
      line(io.stdout, token);
      return 0;
    } catch (error) {
      line(io.stderr, `agentgov serve --init: ${messageOf(error)}`);
      return 1;
    }
  }

  let created: DevTokens | undefined;
  if (dev && !existsSync(join(dataDir, TOKENS_FILE))) {
    try {
      created = createDevTokens(dataDir);
    } catch (error) {
      line(io.stderr, `agentgov serve --dev: cannot create the tokens: ${messageOf(error)}`);
      return 1;
    }
  }
  // A first start that fails leaves no tokens nobody has seen: the next one creates them again.
  const forget = (): void => {
    if (created === undefined) return;
    rmSync(join(dataDir, TOKENS_FILE), { force: true });
    rmSync(created.agentTokenPath, { force: true });
  };

  let server: ReturnType<typeof createGovernanceServer>;
  try {
    server = createGovernanceServer({
      policies: resolve(io.cwd, values.policies ?? DEFAULT_POLICY_DIR),
      dataDir,
      cwd: io.cwd,
      env: io.env,
      auditStore,
      auditSync,
      ack,
      log: (text) => {
        line(io.stderr, `agentgov serve: ${text}`);
      },
    });
  } catch (error) {
    forget();
    line(io.stderr, `agentgov serve: cannot start: ${messageOf(error)}`);
    return 1;
  }
  let address: { port: number; host: string };
  try {
    address = await server.listen(port, host);
  } catch (error) {
    await server.close();
    forget();
    line(io.stderr, `agentgov serve: cannot listen on ${host}:${port}: ${messageOf(error)}`);
    return 1;
  }
  const status = server.policyStatus();
  line(io.stdout, `agentgov serve: listening on http://${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port} (${status.policies.length} policies from ${status.dir}, data in ${server.dataDir})`);
  io.stdout.write(startBanner(consoleUrl(address), dev, created, dataDir, io.cwd));
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      io.signal?.removeEventListener("abort", stop);
      done();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (io.signal?.aborted === true) stop();
    else io.signal?.addEventListener("abort", stop, { once: true });
  });
  await server.close();
  line(io.stdout, "agentgov serve: stopped; audit log sealed");
  return 0;
}

/** The tokens `--dev` created on a first start. */
interface DevTokens {
  admin: string;
  agentTokenPath: string;
}

/** `--dev`'s data directory: `$AGENTGOV_HOME/server` when it is set, else `./.agentgov/server`. */
function devDataDir(env: Record<string, string | undefined>, cwd: string): string {
  const home = env.AGENTGOV_HOME;
  return home !== undefined && home !== "" ? defaultDataDir(env, cwd) : resolve(cwd, ".agentgov", "server");
}

/** Creates the tokens file (exclusively) with an admin token, and a `decide` token written to `agent-token` (0600). */
function createDevTokens(dataDir: string): DevTokens {
  const path = join(dataDir, TOKENS_FILE);
  const admin = issueToken(path, { id: "admin", scopes: ["admin"], exclusive: true });
  const agentTokenPath = join(dataDir, DEV_AGENT_TOKEN_FILE);
  try {
    const agent = issueToken(path, { id: "local-agent", scopes: ["decide"] });
    writeFileAtomic(agentTokenPath, agent + "\n", 0o600);
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
  return { admin, agentTokenPath };
}

/** The console's URL for a listening address (a wildcard address is shown as loopback). */
function consoleUrl(address: { host: string; port: number }): string {
  const host = address.host === "0.0.0.0" ? "127.0.0.1" : address.host === "::" ? "::1" : address.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}/`;
}

/** What is printed once the server listens: the console URL and, with `--dev`, where the tokens are. */
function startBanner(url: string, dev: boolean, created: DevTokens | undefined, dataDir: string, cwd: string): string {
  const show = (path: string): string => {
    const rel = relative(cwd, path);
    return rel !== "" && !rel.startsWith("..") ? rel : path;
  };
  const lines = ["", `  console      ${url}`];
  if (created !== undefined) {
    lines.push(`  admin token  ${created.admin}`, "               shown once (only its hash is stored): paste it into the console when it asks");
    lines.push(`  agent token  scope decide, in ${show(created.agentTokenPath)} (npm run demo reads it; or set AGENTGOV_TOKEN)`);
  } else if (dev) {
    lines.push(`  admin token  printed on the first start; lost it? stop, delete ${show(join(dataDir, TOKENS_FILE))}, start again`);
    if (existsSync(join(dataDir, DEV_AGENT_TOKEN_FILE))) lines.push(`  agent token  in ${show(join(dataDir, DEV_AGENT_TOKEN_FILE))}`);
  } else {
    lines.push("               sign in with a token from 'agentgov serve --init' (scopes approve, audit:read or admin)");
  }
  lines.push("", "Ctrl-C stops the server (the audit log is sealed).", "");
  return lines.join("\n");
}
