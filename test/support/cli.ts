/** Runs the real, built `agentgov` binary as a user would (no shell). */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Absolute path of the CLI launcher. */
export const CLI = fileURLToPath(new URL("../../packages/cli/bin/agentgov.js", import.meta.url));

/** What a CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `agentgov ...args` in `cwd` with a timeout; resolves with exit code and output. */
export function runCli(args: readonly string[], options: { cwd?: string; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd, timeout: options.timeoutMs ?? 10_000, env: { ...process.env, NO_COLOR: "1", ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(new Error(`agentgov ${args.join(" ")} did not finish: ${error.message}`));
          return;
        }
        resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
