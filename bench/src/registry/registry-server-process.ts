/**
 * The registry under benchmark, in its own process (as `agentgov registry serve` runs it):
 * `node dist/registry/registry-server-process.js <dir>` initialises a registry in `<dir>`
 * (SQLite WAL, synchronous=FULL), serves it on 127.0.0.1 (ephemeral port), prints one JSON
 * line `{url, origin, adminTokenPath}` and stops cleanly on SIGTERM or SIGINT.
 */
import { createRegistryServer, initRegistry } from "@agentgov/registry-server";

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write("usage: registry-server-process.js <dir>\n");
  process.exit(2);
}
const init = await initRegistry(dir);
const server = await createRegistryServer({ dir, port: 0, onError: (error) => { process.stderr.write(`${String(error)}\n`); } });
process.stdout.write(`${JSON.stringify({ url: server.url, origin: init.origin, adminTokenPath: init.adminTokenPath })}\n`);
const stop = (): void => {
  server.close().then(() => { process.exit(0); }, (error: unknown) => { process.stderr.write(`${String(error)}\n`); process.exit(1); });
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
