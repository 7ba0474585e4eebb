/**
 * `agentgov registry serve [--init] [--dir <d>] [--port <n>] [--host <h>] [--public-url <u>]
 * [--npm-publish unsigned|reject|off|none] [--json]`: runs the plugin registry
 * (`@agentgov/registry-server`, imported lazily so that other commands never load SQLite)
 * until SIGINT/SIGTERM. `--init` first creates keys, root 1 and an admin token (0600) in the
 * directory (default `$AGENTGOV_HOME/registry`); on a directory that already holds a registry
 * it changes nothing and just serves it. Exit 0 after a clean stop, 1 when the registry cannot
 * be created, opened or bound, 2 on a usage error or a missing registry without `--init`.
 */
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { sha256, toHex } from "@agentgov/registry-protocol";
import { parseCommandArgs, UsageError } from "../args.js";
import { type CliIo, type Command, EXIT_FAIL, EXIT_OK, EXIT_USAGE, writeLine } from "../io.js";
import { homeOf } from "./plugin-common.js";

/** Port used when `--port` is not given (npm registries' customary 4873). */
export const DEFAULT_REGISTRY_PORT = 4873;

const NPM_MODES = ["unsigned", "reject", "off", "none"] as const;

const USAGE = `Usage: agentgov registry serve [--init] [--dir <dir>] [--port <n>] [--host <h>] [--public-url <url>]
                              [--npm-publish unsigned|reject|off|none] [--json]

  --init          create the registry first if the directory holds none: role keys (0600), root 1,
                  the first checkpoint and an admin token file <dir>/admin-token (0600).
                  On an existing registry it changes nothing and serves it
  --dir <dir>     registry directory (default $AGENTGOV_HOME/registry; --data is an alias)
  --port <n>      port (default ${DEFAULT_REGISTRY_PORT}; 0 picks a free one)
  --host <h>      address to bind (default 127.0.0.1)
  --public-url    URL clients use; fixed at --init, where it names the log origin
                  (default http://<host>:<port>); later it only changes npm tarball URLs
  --npm-publish   stock 'npm publish': unsigned (default, marked unsigned), reject (signed only),
                  off (405), none (no npm routes at all)
  --json          one JSON line {url, dir, origin, root1Sha256, adminTokenPath, initialized} when listening

Stops cleanly on SIGINT or SIGTERM. Exit codes: 0 stopped, 1 cannot create/open/listen, 2 usage error.`;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function portOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_REGISTRY_PORT;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got '${text}'`);
  return Number(text);
}

function hostUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function waitForStop(): Promise<string> {
  return new Promise((done) => {
    const stop = (signal: string): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      done(signal);
    };
    const onInt = (): void => { stop("SIGINT"); };
    const onTerm = (): void => { stop("SIGTERM"); };
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}

function fail(io: CliIo, message: string): number {
  writeLine(io.stderr, `agentgov registry serve: ${message}`);
  return EXIT_FAIL;
}

/** `agentgov registry serve`. */
export const registryServe: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    init: { type: "boolean" }, dir: { type: "string" }, data: { type: "string" }, port: { type: "string" }, host: { type: "string" },
    "public-url": { type: "string" }, "npm-publish": { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0] ?? ""}'\n${USAGE}`);
  if (values.dir !== undefined && values.data !== undefined) throw new UsageError("give --dir or --data, not both");
  const port = portOf(values.port);
  const host = values.host ?? "127.0.0.1";
  const npm = values["npm-publish"] ?? "unsigned";
  if (!(NPM_MODES as readonly string[]).includes(npm)) throw new UsageError(`--npm-publish must be one of ${NPM_MODES.join(", ")}`);
  const given = values.dir ?? values.data;
  const dir = given === undefined ? join(homeOf(io), "registry") : resolve(io.cwd, given);
  const server = await import("@agentgov/registry-server");
  const paths = server.registryPaths(dir);

  let initialized = false;
  if (!await exists(paths.config)) {
    if (values.init !== true) {
      writeLine(io.stderr, `agentgov registry serve: ${dir} holds no registry; run 'agentgov registry serve --init' to create one`);
      return EXIT_USAGE;
    }
    const publicUrl = values["public-url"] ?? (port === 0 ? undefined : hostUrl(host, port));
    try {
      const init = await server.initRegistry(dir, publicUrl === undefined ? {} : { publicUrl });
      initialized = true;
      writeLine(io.stderr, `agentgov registry serve: created the registry in ${dir} (log origin ${init.origin})`);
      writeLine(io.stderr, `  root 1 sha256 ${init.rootSha256}: clients pin it with 'agentgov plugin trust registry <url> --root-sha256 …'`);
      writeLine(io.stderr, `  admin token in ${init.adminTokenPath} (0600); keys in ${join(dir, "keys")} (0600)`);
    } catch (error) {
      return fail(io, `cannot create the registry in ${dir}: ${(error as Error).message}`);
    }
  } else if (values.init === true) {
    writeLine(io.stderr, `agentgov registry serve: ${dir} already holds a registry; --init changes nothing, serving it`);
  }

  let running: Awaited<ReturnType<typeof server.createRegistryServer>>;
  try {
    running = await server.createRegistryServer({
      dir, host, port,
      ...(values["public-url"] === undefined ? {} : { publicUrl: values["public-url"] }),
      npmPublish: npm === "none" ? false : npm as "unsigned" | "reject" | "off",
      onError: (error) => { writeLine(io.stderr, `agentgov registry serve: background task failed: ${(error as Error).message}`); },
    });
  } catch (error) {
    return fail(io, `cannot serve ${dir}: ${(error as Error).message}`);
  }
  const stopped = waitForStop();
  const root1 = await running.context.meta.read((r) => r.getRoot(1));
  const root1Sha256 = root1 === undefined ? "" : toHex(sha256(Buffer.from(root1, "utf8")));
  if (values.json === true) {
    writeLine(io.stdout, JSON.stringify({ url: running.url, dir, origin: running.context.origin, root1Sha256, adminTokenPath: paths.adminToken, initialized }));
  } else {
    writeLine(io.stdout, `agentgov registry serve: listening on ${running.url} (registry ${dir}, root 1 sha256 ${root1Sha256})`);
  }
  const signal = await stopped;
  await running.close();
  writeLine(io.stderr, `agentgov registry serve: ${signal}: stopped cleanly`);
  return EXIT_OK;
};
