/** Worker thread entry: verifies segments of large log files, one task per message (see verify-pool.ts). */
import { parentPort } from "node:worker_threads";
import { toPublicKey } from "./keys.js";
import { verifySegment, type SegmentTask } from "./verify-file.js";
import type { WorkerAnswer } from "./verify-pool.js";

parentPort?.on("message", (task: SegmentTask) => {
  const reply = (answer: WorkerAnswer): void => {
    parentPort?.postMessage(answer);
  };
  verifySegment(task, task.publicKey === undefined ? undefined : toPublicKey(task.publicKey)).then(
    (state) => {
      reply({ ok: true, state });
    },
    (error: unknown) => {
      reply({ ok: false, message: error instanceof Error ? error.message : String(error) });
    },
  );
});
