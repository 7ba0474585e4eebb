/**
 * What every benchmark entry point shares: option parsing and running one worker process
 * (a fresh `node --expose-gc` via execFile, no shell) that prints its result as the last
 * line of JSON.
 */
import { execFile } from "node:child_process";

/** A positive-integer command-line option, or `fallback`; exits 2 on a bad value. */
export function intOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a positive integer, got '${raw}'\n`);
    process.exit(2);
  }
  return n;
}

/** Runs `workerPath` with the JSON `spec` as its argument and parses its last output line as the result. */
export function runWorker<Result>(workerPath: string, spec: unknown, timeoutMs: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", workerPath, JSON.stringify(spec)],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, windowsHide: true },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`${error.message}\n${stderr}`.trim()));
          return;
        }
        const line = stdout.trim().split("\n").at(-1) ?? "";
        try {
          resolve(JSON.parse(line) as Result);
        } catch {
          reject(new Error(`worker printed no result: ${stdout.slice(0, 500)}\n${stderr}`.trim()));
        }
      },
    );
  });
}
