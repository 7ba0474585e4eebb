/**
 * The `--self-hosted` sidecar: `createGovernanceServer` on 127.0.0.1, an ephemeral port,
 * in a worker thread of the demo's process. A worker, not the main thread, because the
 * remote kernel's synchronous `decide` blocks its caller's thread while it waits for the
 * answer, so the server must run on another one.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createGovernanceServer } from "@agentgov/server";

/** What the main thread passes to the worker. */
export interface SidecarWorkerData {
  policies: string;
  dataDir: string;
}

/** What the worker posts back. */
export type SidecarMessage = { listening: number } | { stopped: true } | { error: string };

const port = parentPort;
if (port === null) throw new Error("sidecar-worker.js runs as a worker thread");
const data = workerData as SidecarWorkerData;
try {
  const server = createGovernanceServer({ policies: data.policies, dataDir: data.dataDir, log: () => undefined });
  const address = await server.listen(0, "127.0.0.1");
  port.postMessage({ listening: address.port } satisfies SidecarMessage);
  port.once("message", () => {
    void server.close().then(
      () => {
        port.postMessage({ stopped: true } satisfies SidecarMessage);
      },
      (error: unknown) => {
        port.postMessage({ error: `closing the sidecar: ${String(error)}` } satisfies SidecarMessage);
      },
    );
  });
} catch (error) {
  port.postMessage({ error: `starting the sidecar: ${String(error)}` } satisfies SidecarMessage);
}
