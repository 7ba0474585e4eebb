/** Tokenizer of the condition language. */
import { ConditionSyntaxError } from "./syntax-error.js";

/** A token with its 0-based offset. */
export type Token =
  | { type: "string"; value: string; at: number }
  | { type: "number"; value: number; at: number }
  | { type: "ident"; value: string; at: number }
  | { type: "punct"; value: string; at: number }
  | { type: "eof"; at: number };

const PUNCT = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", ",", "."];
const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Splits `text` into tokens; throws {@link ConditionSyntaxError} on a character it cannot read. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const [value, end] = readString(text, i);
      tokens.push({ type: "string", value, at: i });
      i = end;
      continue;
    }
    if ((c >= "0" && c <= "9") || (c === "-" && /[0-9]/.test(text.charAt(i + 1)))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (m === null) throw new ConditionSyntaxError(`malformed number`, i);
      const end = i + m[0].length;
      if (IDENT_PART.test(text.charAt(end))) throw new ConditionSyntaxError(`malformed number '${text.slice(i, end + 1)}'`, i);
      tokens.push({ type: "number", value: Number(m[0]), at: i });
      i = end;
      continue;
    }
    if (IDENT_START.test(c)) {
      let end = i + 1;
      while (end < text.length && IDENT_PART.test(text.charAt(end))) end++;
      tokens.push({ type: "ident", value: text.slice(i, end), at: i });
      i = end;
      continue;
    }
    const punct = PUNCT.find((p) => text.startsWith(p, i));
    if (punct !== undefined) {
      tokens.push({ type: "punct", value: punct, at: i });
      i += punct.length;
      continue;
    }
    throw unexpectedCharacter(text, i);
  }
  tokens.push({ type: "eof", at: text.length });
  return tokens;
}

function unexpectedCharacter(text: string, i: number): ConditionSyntaxError {
  const c = text.charAt(i);
  if (c === "=") {
    const hint = text.startsWith("===", i) ? "did you mean '=='?" : "did you mean '=='?";
    return new ConditionSyntaxError(`unexpected '${text.startsWith("===", i) ? "===" : "="}'`, i, hint);
  }
  if (c === "&") return new ConditionSyntaxError("unexpected '&'", i, "did you mean '&&' or 'and'?");
  if (c === "|") return new ConditionSyntaxError("unexpected '|'", i, "did you mean '||' or 'or'?");
  if (c === "`") return new ConditionSyntaxError("unexpected '`'", i, "quote strings with ' or \"");
  return new ConditionSyntaxError(`unexpected character '${c}'`, i);
}

const ESCAPES: Readonly<Record<string, string>> = { "\\": "\\", "'": "'", '"': '"', n: "\n", t: "\t" };

/** Reads a quoted string starting at `start`; returns its value and the offset after it. */
function readString(text: string, start: number): [string, number] {
  const quote = text.charAt(start);
  let out = "";
  let i = start + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === quote) return [out, i + 1];
    if (c === "\\") {
      const e = text.charAt(i + 1);
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
        continue;
      }
      if (e === "u") {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ConditionSyntaxError("malformed \\u escape: expected 4 hex digits", i);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      throw new ConditionSyntaxError(
        `unknown escape '\\${e}' in string`,
        i,
        "the escapes are \\\\, \\', \\\", \\n, \\t and \\uXXXX",
      );
    }
    out += c;
    i++;
  }
  throw new ConditionSyntaxError("unterminated string", start, `close it with ${quote}`);
}
