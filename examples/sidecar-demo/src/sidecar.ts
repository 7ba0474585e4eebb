/**
 * Where the demo's sidecar is and which tokens it uses. Against a running `npm start`:
 * `AGENTGOV_ENDPOINT` (default http://127.0.0.1:8080) and `AGENTGOV_TOKEN`, else the
 * `decide` token `npm start` wrote to `.agentgov/server/agent-token` (or
 * `$AGENTGOV_HOME/server/agent-token`). With `--self-hosted`: a fresh sidecar in a worker
 * thread, temp data directory, the repository's example policies, and its own tokens.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { issueToken, TOKENS_FILE } from "@agentgov/server";
import type { SidecarMessage, SidecarWorkerData } from "./sidecar-worker.js";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from examples/sidecar-demo/dist). */
const repoRoot = resolve(here, "..", "..", "..");

/** The default endpoint: what `npm start` listens on. */
export const DEFAULT_ENDPOINT = "http://127.0.0.1:8080";

/** A sidecar the demo talks to. */
export interface Sidecar {
  endpoint: string;
  /** `decide` scope: the agents' token. */
  agentToken: string;
  /** Self-hosted only: an `approve` token (id `support-lead`) that votes as a scripted human. */
  approverToken?: string;
  /** Self-hosted only: an `audit:read` token, to verify the sidecar's audit chain at the end. */
  auditToken?: string;
  stop(): Promise<void>;
}

/** The running sidecar of `npm start`; throws with what to do when there is no token. */
export function runningSidecar(env: Record<string, string | undefined>): Sidecar {
  const endpoint = nonEmpty(env.AGENTGOV_ENDPOINT) ?? DEFAULT_ENDPOINT;
  const home = nonEmpty(env.AGENTGOV_HOME);
  const tokenFile = home === undefined ? join(repoRoot, ".agentgov", "server", "agent-token") : resolve(home, "server", "agent-token");
  let agentToken = nonEmpty(env.AGENTGOV_TOKEN);
  if (agentToken === undefined) {
    try {
      agentToken = readFileSync(tokenFile, "utf8").trim();
    } catch {
      throw new Error(`no AGENTGOV_TOKEN and no ${tokenFile}: start the server with 'npm start' first (or run 'npm run demo -- --self-hosted')`);
    }
  }
  return { endpoint, agentToken, stop: () => Promise.resolve() };
}

/** Starts a sidecar of its own in a worker thread (temp data directory, removed at stop). */
export async function selfHostedSidecar(): Promise<Sidecar> {
  const dataDir = mkdtempSync(join(tmpdir(), "agentgov-sidecar-demo-"));
  const tokens = join(dataDir, TOKENS_FILE);
  const agentToken = issueToken(tokens, { id: "demo-agents", scopes: ["decide"] });
  const approverToken = issueToken(tokens, { id: "support-lead", scopes: ["approve"] });
  const auditToken = issueToken(tokens, { id: "auditor", scopes: ["audit:read"] });
  const workerData: SidecarWorkerData = { policies: join(repoRoot, "examples", "policies"), dataDir };
  const worker = new Worker(new URL("./sidecar-worker.js", import.meta.url), { workerData });
  const next = (): Promise<SidecarMessage> =>
    new Promise((done, fail) => {
      const onExit = (code: number): void => {
        fail(new Error(`the sidecar worker exited with ${String(code)}`));
      };
      worker.once("exit", onExit);
      worker.once("message", (message: SidecarMessage) => {
        worker.off("exit", onExit);
        done(message);
      });
    });
  const first = await next();
  if (!("listening" in first)) {
    await worker.terminate();
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error("error" in first ? first.error : "the sidecar did not start");
  }
  return {
    endpoint: `http://127.0.0.1:${String(first.listening)}`,
    agentToken,
    approverToken,
    auditToken,
    async stop() {
      const stopped = next();
      worker.postMessage("stop");
      const answer = await stopped;
      await worker.terminate();
      rmSync(dataDir, { recursive: true, force: true });
      if ("error" in answer) throw new Error(answer.error);
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
