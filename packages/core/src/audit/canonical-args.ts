/**
 * Arguments together with their RFC 8785 text, computed once by core. A decision record's
 * `args_digest` is the hash of that text, and its logged `args` (when nothing is redacted)
 * is that same text: a producer that digests and logs the same arguments passes a
 * {@link CanonicalArgs} as the entry's `args`, and the record writes its text as it is
 * instead of serialising the arguments a second time. Only core makes one (the brand is a
 * private field), so its text is always the canonical text of its value.
 */
import { AgentGovError } from "../errors.js";
import { canonicalJson } from "../internal/canonical-json.js";
import { sha256Hex } from "../internal/sha256.js";

/** A JSON value and its canonical JSON text (made by {@link canonicalArgs}). */
export interface CanonicalArgs {
  readonly value: unknown;
  readonly text: string;
}

class Canonical implements CanonicalArgs {
  readonly #brand = true;
  readonly value: unknown;
  readonly text: string;

  constructor(value: unknown, text: string) {
    this.value = value;
    this.text = text;
    Object.freeze(this);
  }

  static is(x: unknown): x is Canonical {
    return typeof x === "object" && x !== null && #brand in x;
  }
}

/**
 * `args` with its canonical text. The text is a snapshot: a record written later from it
 * shows the arguments as they were now.
 * @throws AgentGovError `INVALID_REQUEST` when `args` is not JSON (undefined, bigint, a cycle, …).
 */
export function canonicalArgs(args: unknown): CanonicalArgs {
  let text: string;
  try {
    text = canonicalJson(args);
  } catch (error) {
    throw new AgentGovError("INVALID_REQUEST", `arguments are not JSON: ${(error as Error).message}`, { cause: error });
  }
  return new Canonical(args, text);
}

/** True for a value made by {@link canonicalArgs}. */
export function isCanonicalArgs(x: unknown): x is CanonicalArgs {
  return Canonical.is(x);
}

/** The `args_digest` of canonical arguments: hex SHA-256 of their text. */
export function canonicalArgsDigest(args: CanonicalArgs): string {
  return sha256Hex(args.text);
}
