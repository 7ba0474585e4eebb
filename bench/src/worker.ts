/**
 * A worker process: `node --expose-gc dist/worker.js '<WorkerSpec JSON>'`. Prints one
 * JSON line (a WorkerResult) on stdout; exits 1 with a message on stderr on any failure,
 * including a decision that is not what its scenario expects.
 */
import type { WorkerResult, WorkerSpec } from "./protocol.js";

async function main(): Promise<WorkerResult> {
  const arg = process.argv[2];
  if (arg === undefined) throw new Error("usage: worker.js '<spec json>'");
  const spec = JSON.parse(arg) as WorkerSpec;
  // Imported on demand so that a decide worker does not load the audit code and vice versa.
  switch (spec.kind) {
    case "decide": {
      const { runDecide } = await import("./decide-bench.js");
      return runDecide(spec);
    }
    case "audit": {
      const { runAudit } = await import("./audit-bench.js");
      return runAudit(spec);
    }
  }
}

try {
  const result = await main();
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
