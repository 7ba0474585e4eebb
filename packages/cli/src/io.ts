/** The process surface a command uses, injectable so that tests run commands in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Exit codes shared by every command: 0 ok, 1 rejected/failed check, 2 usage or unreadable input. */
export const EXIT_OK = 0;
/** A check failed (invalid policy, tampered audit, failing policy test, deny with --fail-on-deny). */
export const EXIT_FAIL = 1;
/** Usage error, unreadable or malformed input, a policy that does not load. */
export const EXIT_USAGE = 2;

/** A command: takes its own argv (after the command words) and returns the exit code. */
export type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Writes a line to a stream. */
export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text + "\n");
}

/** Colour helpers that colour only on a TTY and never when NO_COLOR is set. */
export function colours(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): {
  red: (s: string) => string;
  green: (s: string) => string;
  yellow: (s: string) => string;
  dim: (s: string) => string;
} {
  const on = stream.isTTY === true && env.NO_COLOR === undefined;
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { red: wrap(31), green: wrap(32), yellow: wrap(33), dim: wrap(2) };
}
