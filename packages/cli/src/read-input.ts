/** Reading command input (files or stdin) with size and nesting limits. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { CliIo } from "./io.js";

/** Largest input accepted, in bytes. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Deepest JSON nesting accepted. */
export const MAX_JSON_DEPTH = 256;

/** Malformed or unreadable input (exit 2). */
export class InputError extends Error {
  override name = "InputError";
}

/** Reads a file, or stdin for `-`, as UTF-8 text. */
export async function readText(path: string, io: CliIo): Promise<string> {
  if (path === "-") {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of io.stdin) {
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > MAX_INPUT_BYTES) throw new InputError(`input is larger than ${MAX_INPUT_BYTES} bytes`);
      chunks.push(buf);
    }
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    const buf = await readFile(resolve(io.cwd, path));
    if (buf.length > MAX_INPUT_BYTES) throw new InputError(`${path}: larger than ${MAX_INPUT_BYTES} bytes`);
    return buf.toString("utf8");
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** JSON.parse with a nesting limit (checked before parsing, so a deep document cannot overflow the stack). */
export function parseJson(text: string, what: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_JSON_DEPTH) throw new InputError(`${what}: JSON nests deeper than ${MAX_JSON_DEPTH}`);
    } else if (c === 125 || c === 93) depth--;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`${what}: malformed JSON (${(error as Error).message})`);
  }
}

/** The shape of the requests given: one object, an array, or JSON Lines. */
export type RequestBatch = { form: "one"; requests: [unknown] } | { form: "array" | "lines"; requests: unknown[] };

/** Parses request input: one JSON value, or JSON Lines (one request object per non-empty line). */
export function parseRequests(text: string, what: string): RequestBatch {
  const trimmed = text.trim();
  if (trimmed === "") throw new InputError(`${what}: no request given`);
  let whole: unknown;
  let wholeError: InputError | undefined;
  try {
    whole = parseJson(trimmed, what);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    wholeError = error;
  }
  if (wholeError === undefined) {
    if (Array.isArray(whole)) return { form: "array", requests: whole };
    return { form: "one", requests: [whole] };
  }
  const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length < 2) throw wholeError;
  return { form: "lines", requests: lines.map((line, i) => parseJson(line, `${what} line ${i + 1}`)) };
}
