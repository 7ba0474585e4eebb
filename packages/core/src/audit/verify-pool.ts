/**
 * The worker threads that verify segments of large files (verify-file.ts). Starting a
 * worker costs tens of milliseconds, so idle workers are kept for a few seconds for the
 * next verification. They never keep the process alive: a worker is ref'd only while it
 * runs a task, and idle ones are terminated after {@link IDLE_MS}.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { AgentGovError } from "../errors.js";
import type { SegmentTask } from "./verify-file.js";
import type { VerifierState } from "./verifier.js";

/** The worker module (present in the built package, not when running from TypeScript sources). */
const WORKER_URL = new URL("./verify-worker.js", import.meta.url);
/** How long an idle worker is kept. */
const IDLE_MS = 5_000;

/** What a worker answers. */
export type WorkerAnswer = { ok: true; state: VerifierState } | { ok: false; message: string };

const idle: Worker[] = [];
let idleTimer: NodeJS.Timeout | undefined;

/** Idle (warm) workers. */
export function idleWorkers(): number {
  return idle.length;
}

/** True when segments can be verified by worker threads. */
export function workersAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_URL));
}

/** Verifies a segment on a worker thread. */
export function runOnWorker(task: SegmentTask): Promise<VerifierState> {
  const worker = idle.pop() ?? new Worker(WORKER_URL);
  worker.ref();
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (answer: WorkerAnswer): void => {
      settle();
      release(worker);
      if (answer.ok) resolve(answer.state);
      else reject(new AgentGovError("AUDIT_IO", answer.message));
    };
    const onError = (error: Error): void => {
      settle();
      void worker.terminate();
      reject(new AgentGovError("AUDIT_IO", `audit verification worker failed: ${error.message}`, { cause: error }));
    };
    const onExit = (code: number): void => {
      settle();
      reject(new AgentGovError("AUDIT_IO", `audit verification worker exited with code ${String(code)}`));
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    worker.postMessage(task);
  });
}

function release(worker: Worker): void {
  worker.unref();
  idle.push(worker);
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    for (const w of idle.splice(0)) void w.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}
