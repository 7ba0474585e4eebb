/**
 * `agentgov serve [--port <n>] [--host <h>] [--policies <dir>] [--data <dir>] [--init]`:
 * runs the governance server until SIGINT/SIGTERM (or `io.signal`), or with `--init`
 * creates the admin token file and prints the token once. Exit 0 ok, 1 failure, 2 usage.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { defaultDataDir } from "./data-dir.js";
import { messageOf } from "./errors.js";
import { createGovernanceServer, DEFAULT_HOST, DEFAULT_POLICY_DIR, DEFAULT_PORT } from "./server.js";
import { issueToken, TOKENS_FILE } from "./tokens.js";

/** The process surface `serveCommand` uses (the CLI's io; `signal` stops the server, for tests and embedding). */
export interface ServeIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  cwd: string;
  signal?: AbortSignal;
}

const USAGE = `usage: agentgov serve [--port <n>] [--host <host>] [--policies <dir>] [--data <dir>] [--audit sqlite|jsonl] [--audit-sync full|normal] [--init]

  --port       port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host       address to bind (default ${DEFAULT_HOST})
  --policies   policy directory, hot-reloaded (default ./${DEFAULT_POLICY_DIR})
  --data       data directory: audit log, keys, tokens, agent holds (default $AGENTGOV_HOME/server)
  --audit      audit store in the data directory: sqlite (default, audit.db) or jsonl (audit.jsonl)
  --audit-sync SQLite commit durability: normal (default; survives a process crash, not a power loss) or full (fsync per group commit)
  --init       create the admin token file in the data directory, print the token once, exit
`;

/** Runs `agentgov serve`; resolves with the exit code. */
export async function serveCommand(argv: string[], io: ServeIo): Promise<number> {
  const line = (stream: NodeJS.WritableStream, text: string): void => {
    stream.write(text + "\n");
  };
  let values: { port?: string | undefined; host?: string | undefined; policies?: string | undefined; data?: string | undefined; init?: boolean | undefined; help?: boolean | undefined; audit?: string | undefined; "audit-sync"?: string | undefined };
  try {
    const parsed = parseArgs({
      args: argv,
      options: { port: { type: "string" }, host: { type: "string" }, policies: { type: "string" }, data: { type: "string" }, audit: { type: "string" }, "audit-sync": { type: "string" }, init: { type: "boolean" }, help: { type: "boolean", short: "h" } },
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
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (values.port !== undefined && !/^\d+$/.test(values.port))) {
    line(io.stderr, `agentgov serve: --port must be an integer from 0 to 65535, got '${values.port ?? ""}'\n${USAGE}`);
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
  const dataDir = values.data === undefined ? defaultDataDir(io.env, io.cwd) : resolve(io.cwd, values.data);

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

  let server: ReturnType<typeof createGovernanceServer>;
  try {
    server = createGovernanceServer({
      policies: resolve(io.cwd, values.policies ?? DEFAULT_POLICY_DIR),
      dataDir,
      cwd: io.cwd,
      env: io.env,
      auditStore,
      auditSync,
      log: (text) => {
        line(io.stderr, `agentgov serve: ${text}`);
      },
    });
  } catch (error) {
    line(io.stderr, `agentgov serve: cannot start: ${messageOf(error)}`);
    return 1;
  }
  let address: { port: number; host: string };
  try {
    address = await server.listen(port, host);
  } catch (error) {
    await server.close();
    line(io.stderr, `agentgov serve: cannot listen on ${host}:${port}: ${messageOf(error)}`);
    return 1;
  }
  const status = server.policyStatus();
  line(io.stdout, `agentgov serve: listening on http://${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port} (${status.policies.length} policies from ${status.dir}, data in ${server.dataDir})`);
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
