/**
 * Shared pieces of the `agentgov plugin …` commands (REGISTRY.md §5.1, §8): the home folder,
 * rejection reporting (exit 1 with the stable `REGISTRY_…` code), the passphrase and
 * interactive prompts (only when stdin is a TTY).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { agentgovHome } from "@agentgov/registry-client";
import { UsageError } from "../args.js";
import { colours, type CliIo, EXIT_FAIL, writeLine } from "../io.js";

/** A `REGISTRY_…` rejection as thrown by `@agentgov/registry-client` (duck-typed, so the CLI needs no protocol import). */
export interface RegistryRejection {
  code: string;
  message: string;
}

/** True when `error` carries a stable `REGISTRY_…` code. */
export function isRegistryRejection(error: unknown): error is Error & RegistryRejection {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("REGISTRY_");
}

/** The home folder: `$AGENTGOV_HOME` from the command's environment, else `~/.agentgov`. */
export function homeOf(io: CliIo): string {
  return agentgovHome(io.env);
}

/** Reports a rejection: JSON on stdout with `--json`, else `CODE: message` on stderr; returns exit 1. */
export function reject(io: CliIo, json: boolean, error: RegistryRejection): number {
  if (json) writeLine(io.stdout, JSON.stringify({ ok: false, code: error.code, message: error.message }));
  else writeLine(io.stderr, `${colours(io.stderr, io.env).red(error.code)}: ${error.message}`);
  return EXIT_FAIL;
}

/** Runs `body`; a `REGISTRY_…` error becomes a reported rejection (exit 1), anything else propagates (exit 2). */
export async function guarded(io: CliIo, json: boolean, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (isRegistryRejection(error)) return reject(io, json, error);
    throw error;
  }
}

/** True when stdin is an interactive terminal. */
export function stdinIsTty(io: CliIo): boolean {
  return (io.stdin as { isTTY?: boolean }).isTTY === true;
}

/** Asks one question on the terminal (stderr), optionally without echo. */
export async function ask(io: CliIo, question: string, hidden: boolean): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  try {
    io.stderr.write(question);
    if (hidden) (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
    const answer = await new Promise<string>((done) => { rl.question("", done); });
    if (hidden) io.stderr.write("\n");
    return answer;
  } finally {
    rl.close();
  }
}

/**
 * The passphrase of a key file (§5.1): `--passphrase-file <f>` (first line), then
 * `AGENTGOV_KEY_PASSPHRASE`, then a prompt when stdin is a TTY; otherwise a usage error.
 */
export async function passphraseOf(io: CliIo, file: string | undefined, confirm: boolean): Promise<string> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(resolve(io.cwd, file), "utf8");
    } catch (error) {
      throw new UsageError(`cannot read passphrase file ${file}: ${(error as Error).message}`);
    }
    const first = text.split(/\r?\n/, 1)[0] ?? "";
    if (first === "") throw new UsageError(`passphrase file ${file} is empty`);
    return first;
  }
  const fromEnv = io.env.AGENTGOV_KEY_PASSPHRASE;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!stdinIsTty(io)) {
    throw new UsageError("no passphrase: set AGENTGOV_KEY_PASSPHRASE or pass --passphrase-file <file> (stdin is not a terminal)");
  }
  const first = await ask(io, "Passphrase: ", true);
  if (first === "") throw new UsageError("empty passphrase");
  if (confirm && (await ask(io, "Repeat passphrase: ", true)) !== first) throw new UsageError("passphrases differ");
  return first;
}

/** Resolves a path argument against the command's working folder. */
export function pathOf(io: CliIo, path: string): string {
  return resolve(io.cwd, path);
}
