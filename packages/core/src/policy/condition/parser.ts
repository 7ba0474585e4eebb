/**
 * Recursive-descent parser of the condition grammar (POLICY.md §3):
 *
 *   expr := or;  or := and (("or"|"||") and)*;  and := not (("and"|"&&") not)*
 *   not := ("not"|"!") not | compare;  compare := operand (op operand)?
 *   operand := literal | path | list | call | "(" expr ")"
 *
 * Limits (each a load error): text ≤ 4 KiB, nesting depth ≤ 64, list ≤ 1,000 items.
 */
import { type CompareOp, FUNCTIONS, type FunctionName, type Literal, type Node, type PathSegment } from "./ast.js";
import { type Token, tokenize } from "./lexer.js";
import { ConditionSyntaxError } from "./syntax-error.js";

/** Maximum length of a condition, in UTF-16 code units. */
export const MAX_CONDITION_LENGTH = 4096;
/** Maximum nesting depth of a condition. */
export const MAX_CONDITION_DEPTH = 64;
/** Maximum number of items in a list literal. */
export const MAX_LIST_ITEMS = 1000;

const WORD_OPS: ReadonlySet<string> = new Set(["in", "matches", "contains", "startswith", "endswith"]);
const SYMBOL_OPS: ReadonlySet<string> = new Set(["==", "!=", "<", "<=", ">", ">="]);
const KEYWORDS: ReadonlySet<string> = new Set(["and", "or", "not", "in", "matches", "contains", "startswith", "endswith", "true", "false", "null"]);
const UPPER_KEYWORD_HINTS: Readonly<Record<string, string>> = { AND: "and", OR: "or", NOT: "not", IN: "in", True: "true", False: "false", TRUE: "true", FALSE: "false", None: "null", NULL: "null", Null: "null" };

/** Parses a condition into a syntax tree, or throws {@link ConditionSyntaxError}. */
export function parseCondition(text: string): Node {
  if (text.length > MAX_CONDITION_LENGTH) {
    throw new ConditionSyntaxError(`condition is longer than ${MAX_CONDITION_LENGTH} characters`, MAX_CONDITION_LENGTH);
  }
  if (text.trim() === "") throw new ConditionSyntaxError("empty condition", 0, "omit 'condition' for a rule that always applies");
  const parser = new Parser(tokenize(text));
  const node = parser.expr(0);
  parser.expectEnd();
  return node;
}

class Parser {
  private pos = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    const t = this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
    if (t === undefined) throw new Error("unreachable: empty token stream");
    return t;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private isWord(t: Token, word: string): boolean {
    return t.type === "ident" && t.value === word;
  }

  private isPunct(t: Token, p: string): boolean {
    return t.type === "punct" && t.value === p;
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.type !== "eof") throw this.unexpected(t, "expected the end of the condition");
  }

  expr(depth: number): Node {
    return this.or(depth);
  }

  private checkDepth(depth: number, at: number): void {
    if (depth > MAX_CONDITION_DEPTH) throw new ConditionSyntaxError(`condition nests deeper than ${MAX_CONDITION_DEPTH}`, at);
  }

  private or(depth: number): Node {
    let left = this.and(depth);
    for (;;) {
      const t = this.peek();
      if (!this.isWord(t, "or") && !this.isPunct(t, "||")) return left;
      this.next();
      const right = this.and(depth);
      left = { kind: "or", left, right, at: t.at };
    }
  }

  private and(depth: number): Node {
    let left = this.not(depth);
    for (;;) {
      const t = this.peek();
      if (!this.isWord(t, "and") && !this.isPunct(t, "&&")) return left;
      this.next();
      const right = this.not(depth);
      left = { kind: "and", left, right, at: t.at };
    }
  }

  private not(depth: number): Node {
    const t = this.peek();
    if ((this.isWord(t, "not") && !this.isWord(this.peek(1), "in")) || this.isPunct(t, "!")) {
      this.checkDepth(depth + 1, t.at);
      this.next();
      return { kind: "not", operand: this.not(depth + 1), at: t.at };
    }
    return this.compare(depth);
  }

  private compare(depth: number): Node {
    const left = this.operand(depth);
    const op = this.operator();
    if (op === null) return left;
    const right = this.operand(depth);
    const node: Node = { kind: "compare", op: op.op, left, right, at: op.at };
    const after = this.peek();
    if (this.operatorAhead()) {
      throw new ConditionSyntaxError(`comparisons do not chain: unexpected '${tokenText(after)}'`, after.at, "combine comparisons with 'and' or 'or', or group them with parentheses");
    }
    if (op.op === "matches" && right.kind !== "literal") {
      throw new ConditionSyntaxError("'matches' takes a string literal pattern on its right", right.at);
    }
    if (op.op === "matches" && right.kind === "literal" && typeof right.value !== "string") {
      throw new ConditionSyntaxError("'matches' takes a string literal pattern on its right", right.at);
    }
    return node;
  }

  private operatorAhead(): boolean {
    const t = this.peek();
    if (t.type === "punct") return SYMBOL_OPS.has(t.value);
    if (t.type !== "ident") return false;
    return WORD_OPS.has(t.value) || (t.value === "not" && this.isWord(this.peek(1), "in"));
  }

  private operator(): { op: CompareOp; at: number } | null {
    const t = this.peek();
    if (t.type === "punct" && SYMBOL_OPS.has(t.value)) {
      this.next();
      return { op: t.value as CompareOp, at: t.at };
    }
    if (t.type === "ident") {
      if (WORD_OPS.has(t.value)) {
        this.next();
        return { op: t.value as CompareOp, at: t.at };
      }
      if (t.value === "not" && this.isWord(this.peek(1), "in")) {
        this.next();
        this.next();
        return { op: "not in", at: t.at };
      }
    }
    return null;
  }

  private operand(depth: number): Node {
    const t = this.peek();
    this.checkDepth(depth, t.at);
    switch (t.type) {
      case "string":
        this.next();
        return { kind: "literal", value: t.value, at: t.at };
      case "number":
        this.next();
        return { kind: "literal", value: t.value, at: t.at };
      case "punct":
        if (t.value === "(") {
          this.next();
          const inner = this.expr(depth + 1);
          const close = this.next();
          if (!this.isPunct(close, ")")) throw this.unexpected(close, "expected ')'", "close the parenthesis");
          return inner;
        }
        if (t.value === "[") return this.list();
        throw this.unexpected(t, "expected a value, path or '('");
      case "ident":
        return this.identOperand(t, depth);
      case "eof":
        throw new ConditionSyntaxError("unexpected end of condition: expected a value", t.at);
    }
  }

  private identOperand(t: Token & { type: "ident" }, depth: number): Node {
    if (t.value === "true" || t.value === "false") {
      this.next();
      return { kind: "literal", value: t.value === "true", at: t.at };
    }
    if (t.value === "null") {
      this.next();
      return { kind: "literal", value: null, at: t.at };
    }
    if (KEYWORDS.has(t.value)) throw this.unexpected(t, "expected a value, path or '('");
    if (this.isPunct(this.peek(1), "(")) return this.call(t, depth);
    return this.path();
  }

  private call(t: Token & { type: "ident" }, depth: number): Node {
    if (!(FUNCTIONS as readonly string[]).includes(t.value)) {
      throw new ConditionSyntaxError(`unknown function '${t.value}'`, t.at, `the functions are ${FUNCTIONS.join(", ")}`);
    }
    const fn = t.value as FunctionName;
    this.next();
    this.next();
    const args: Node[] = [];
    if (!this.isPunct(this.peek(), ")")) {
      for (;;) {
        args.push(this.expr(depth + 1));
        const sep = this.next();
        if (this.isPunct(sep, ")")) break;
        if (!this.isPunct(sep, ",")) throw this.unexpected(sep, "expected ',' or ')'");
      }
    } else {
      this.next();
    }
    const arity = fn === "glob" ? 2 : 1;
    if (args.length !== arity) {
      throw new ConditionSyntaxError(`${fn}() takes ${arity} argument${arity === 1 ? "" : "s"}, got ${args.length}`, t.at);
    }
    if (fn === "has" && args[0]?.kind !== "path") {
      throw new ConditionSyntaxError("has() takes a path", t.at, "write has(args.key)");
    }
    return { kind: "call", fn, args, at: t.at };
  }

  private path(): Node {
    const first = this.next();
    if (first.type !== "ident") throw this.unexpected(first, "expected a path");
    const segments: PathSegment[] = [first.value];
    let text = first.value;
    for (;;) {
      const t = this.peek();
      if (this.isPunct(t, ".")) {
        this.next();
        const name = this.next();
        if (name.type !== "ident") throw this.unexpected(name, "expected a property name after '.'");
        segments.push(name.value);
        text += "." + name.value;
        continue;
      }
      if (this.isPunct(t, "[")) {
        this.next();
        const key = this.next();
        if (key.type === "string") segments.push(key.value);
        else if (key.type === "number" && Number.isSafeInteger(key.value) && key.value >= 0) segments.push(key.value);
        else throw this.unexpected(key, "expected a string or a non-negative integer index");
        const close = this.next();
        if (!this.isPunct(close, "]")) throw this.unexpected(close, "expected ']'");
        text += `[${JSON.stringify(key.value)}]`;
        continue;
      }
      return { kind: "path", segments, text, at: first.at };
    }
  }

  private list(): Node {
    const open = this.next();
    const items: Literal[] = [];
    if (this.isPunct(this.peek(), "]")) {
      this.next();
      return { kind: "list", items, at: open.at };
    }
    for (;;) {
      const t = this.next();
      if (t.type === "string" || t.type === "number") items.push(t.value);
      else if (this.isWord(t, "true") || this.isWord(t, "false")) items.push(t.type === "ident" && t.value === "true");
      else if (this.isWord(t, "null")) items.push(null);
      else throw this.unexpected(t, "lists hold literals only (strings, numbers, true, false, null)");
      if (items.length > MAX_LIST_ITEMS) throw new ConditionSyntaxError(`list has more than ${MAX_LIST_ITEMS} items`, t.at);
      const sep = this.next();
      if (this.isPunct(sep, "]")) return { kind: "list", items, at: open.at };
      if (!this.isPunct(sep, ",")) throw this.unexpected(sep, "expected ',' or ']'");
    }
  }

  private unexpected(t: Token, expected: string, hint?: string): ConditionSyntaxError {
    if (t.type === "eof") return new ConditionSyntaxError(`unexpected end of condition: ${expected}`, t.at, hint);
    if (t.type === "ident") {
      const lower = UPPER_KEYWORD_HINTS[t.value];
      if (lower !== undefined) return new ConditionSyntaxError(`unexpected '${t.value}'`, t.at, `did you mean '${lower}'?`);
    }
    return new ConditionSyntaxError(`unexpected '${tokenText(t)}': ${expected}`, t.at, hint);
  }
}

function tokenText(t: Token): string {
  switch (t.type) {
    case "eof":
      return "end of condition";
    case "string":
      return JSON.stringify(t.value);
    default:
      return String(t.value);
  }
}
