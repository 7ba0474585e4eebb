/** A small strict argv parser (node:util parseArgs), turning its errors into usage errors. */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A usage error: the command prints the message and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses argv strictly; unknown options and missing values become a {@link UsageError}. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: T,
): { values: ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>["values"]; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
