/** Loading `agentgov-rl.yaml` from a file or text (RL-GUARD.md §4). */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { compileRlConfig } from "./compile.js";
import { RlConfigError } from "./error.js";
import type { CompiledRlConfig } from "./types.js";
import { parseStrict } from "./yaml.js";

/** Largest configuration file accepted, in bytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Options of {@link parseRlGuardConfig}. */
export interface ParseOptions {
  /** File name for messages and base of relative paths. */
  file?: string;
  /** Base directory of relative paths (default: the file's directory). */
  cwd?: string;
}

/**
 * Parses and compiles configuration text.
 * @throws RlConfigError (`RL_CONFIG_INVALID`) with positioned issues.
 */
export function parseRlGuardConfig(text: string, options: ParseOptions = {}): CompiledRlConfig {
  const file = options.file ?? "<inline>";
  if (Buffer.byteLength(text, "utf8") > MAX_CONFIG_BYTES) throw new RlConfigError([{ file, line: 0, col: 0, message: `configuration is larger than ${MAX_CONFIG_BYTES} bytes` }]);
  const parsed = parseStrict(text, file);
  if (Array.isArray(parsed)) throw new RlConfigError(parsed);
  const cwd = options.cwd ?? (options.file === undefined ? process.cwd() : dirname(resolve(options.file)));
  return compileRlConfig(parsed.value, { file, cwd, locate: parsed.locate });
}

/**
 * Reads, validates and compiles `agentgov-rl.yaml`.
 * @throws RlConfigError (`RL_CONFIG_INVALID`) when the file cannot be read or is invalid.
 */
export async function loadRlGuardConfig(path: string): Promise<CompiledRlConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new RlConfigError([{ file: path, line: 0, col: 0, message: `cannot read configuration (${(error as NodeJS.ErrnoException).code ?? "error"})` }]);
  }
  return parseRlGuardConfig(text, { file: path });
}
