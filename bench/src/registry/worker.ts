/**
 * A worker process: `node --expose-gc dist/registry/worker.js '<WorkerSpec JSON>'`. Runs one
 * P1 or P3 measurement and prints one JSON line (a WorkerResult) on stdout; exits 1 with a
 * message on stderr on any failure, including a verification that did not pass.
 */
import { measureBombs, measureVerify } from "./measure.js";
import type { WorkerResult, WorkerSpec } from "./protocol.js";

try {
  const arg = process.argv[2];
  if (arg === undefined) throw new Error("usage: registry/worker.js '<spec json>'");
  const spec = JSON.parse(arg) as WorkerSpec;
  const result: WorkerResult = spec.kind === "verify" ? await measureVerify(spec) : await measureBombs(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
