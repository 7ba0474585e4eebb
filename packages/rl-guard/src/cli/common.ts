/** What the `agentgov rl …` command functions share: the io surface, exit codes, strict argv parsing. */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The process surface a command uses (the `agentgov` CLI passes its own; tests pass buffers). */
export interface RlCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** A command: its own argv (after `rl <verb>`) → exit code. */
export type RlCommand = (argv: string[], io: RlCliIo) => Promise<number>;

/** Exit code: ok. */
export const EXIT_OK = 0;
/** Exit code: rejected (a record failed verification, the switch is engaged, a write failed). */
export const EXIT_REJECTED = 1;
/** Exit code: usage error, unreadable input, unusable key or config. */
export const EXIT_USAGE = 2;

/** A usage error: printed to stderr, exit 2. */
export class RlUsageError extends Error {
  override name = "RlUsageError";
}

/** Parses argv strictly; unknown options and missing values become an {@link RlUsageError}. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: T,
): { values: ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>["values"]; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    throw new RlUsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Writes one line. */
export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${text}\n`);
}

/** Runs a command body, turning {@link RlUsageError}s into a message and exit 2. */
export async function withUsage(verb: string, io: RlCliIo, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof RlUsageError)) throw error;
    writeLine(io.stderr, `agentgov rl ${verb}: ${error.message}`);
    writeLine(io.stderr, usage.split("\n")[0] ?? "");
    return EXIT_USAGE;
  }
}
