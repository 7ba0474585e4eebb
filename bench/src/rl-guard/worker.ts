/**
 * A worker process: `node --expose-gc dist/rl-guard/worker.js '<RlSpec JSON>'`. Checks the
 * guard, times it, and prints one JSON line (an RlResult) on stdout; exits 1 with a message
 * on stderr on any failure, including a functional check that does not pass.
 */
import { measureRlGuard } from "./measure.js";
import type { RlSpec } from "./protocol.js";

try {
  const arg = process.argv[2];
  if (arg === undefined) throw new Error("usage: rl-guard/worker.js '<spec json>'");
  const result = await measureRlGuard(JSON.parse(arg) as RlSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
