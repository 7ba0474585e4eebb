/**
 * What every benchmark entry point shares: option parsing and running one worker process
 * (a fresh `node --expose-gc` via execFile, no shell) that prints its result as the last
 * line of JSON.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** `bench/results/` (git-ignored). */
export const RESULTS_DIR = fileURLToPath(new URL("../results", import.meta.url));

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

/** What a benchmark hands {@link finishRun}. */
export interface RunSummary {
  /** Results file prefix: `` for `latest.json`, `adapters` for `adapters-latest.json`, … */
  name: string;
  smoke: boolean;
  machine: string;
  procs: number;
  /** Lines printed so far (the tables); the footer is appended, then all go to stdout. */
  out: string[];
  failures: readonly string[];
  /** `performance.now()` at the start of the run. */
  started: number;
  /** Benchmark-specific fields of the results file, between `procs` and `failures`. */
  payload: Record<string, unknown>;
}

/**
 * Ends a benchmark run the same way everywhere: prints the total time and any failures,
 * writes the tables to stdout and every figure to `bench/results/<name->latest[-smoke].json`,
 * and sets the exit code (1 only when something failed, never because of a timing).
 */
export function finishRun(run: RunSummary): void {
  const elapsed = (performance.now() - run.started) / 1000;
  run.out.push(`total time ${elapsed.toFixed(1)} s`);
  if (run.failures.length > 0) {
    run.out.push("", `FAILED (${String(run.failures.length)}):`);
    for (const f of run.failures) run.out.push(`  - ${f.replaceAll("\n", "\n    ")}`);
  }
  process.stdout.write(`${run.out.join("\n")}\n`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const prefix = run.name === "" ? "" : `${run.name}-`;
  const jsonPath = join(RESULTS_DIR, `${prefix}latest${run.smoke ? "-smoke" : ""}.json`);
  const results = {
    date: new Date().toISOString(),
    mode: run.smoke ? "smoke" : "full",
    machine: run.machine,
    procs: run.procs,
    ...run.payload,
    failures: run.failures,
    elapsedSec: elapsed,
  };
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`results written to ${jsonPath}\n`);
  process.exitCode = run.failures.length > 0 ? 1 : 0;
}
