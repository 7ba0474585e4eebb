/**
 * A worker process: `node --expose-gc dist/adapters/worker.js '<AdapterSpec JSON>'`. Loads
 * one framework, checks its loops, times them, and prints one JSON line (an AdapterResult)
 * on stdout; exits 1 with a message on stderr on any failure, including a loop that does not
 * behave as the functional check expects.
 */
import { measureAdapter } from "./measure.js";
import type { AdapterSpec } from "./protocol.js";

try {
  const arg = process.argv[2];
  if (arg === undefined) throw new Error("usage: adapters/worker.js '<spec json>'");
  const result = await measureAdapter(JSON.parse(arg) as AdapterSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
