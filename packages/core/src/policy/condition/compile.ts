/**
 * Compiles a condition's syntax tree to closures once, at load (POLICY.md principle 4).
 * Evaluation follows §3: typed literals, strict equality, *missing* paths, and
 * {@link EvaluationError} for type mismatches and oversized operands.
 */
import type { CompareOp, Literal, Node, PathSegment } from "./ast.js";
import { compileGlob } from "./glob.js";
import { ConditionSyntaxError } from "./syntax-error.js";
import { screenRegex } from "./regex-guard.js";
import { checkSize, EvaluationError, MISSING, type Scope, truthy, typeName } from "./values.js";

/** A compiled operand: returns a JSON value or {@link MISSING}. */
export type Evaluator = (scope: Scope) => unknown;
/** A compiled condition: true when the rule's condition holds. May throw {@link EvaluationError}. */
export type Predicate = (scope: Scope) => boolean;

/** Compiles a parsed condition to a predicate. Throws {@link ConditionSyntaxError} for load-time errors (bad regex). */
export function compileCondition(node: Node): Predicate {
  const fn = compileNode(node);
  return isBooleanNode(node) ? (fn as Predicate) : (scope) => truthy(fn(scope));
}

function isBooleanNode(node: Node): boolean {
  return node.kind === "compare" || node.kind === "and" || node.kind === "or" || node.kind === "not" || (node.kind === "call" && node.fn === "has");
}

function compileNode(node: Node): Evaluator {
  switch (node.kind) {
    case "literal": {
      const value = node.value;
      return () => value;
    }
    case "list": {
      const items = node.items;
      return () => items;
    }
    case "path":
      return compilePath(node.segments);
    case "not": {
      const operand = compileNode(node.operand);
      return (s) => !truthy(operand(s));
    }
    case "and": {
      const left = compileNode(node.left);
      const right = compileNode(node.right);
      return (s) => truthy(left(s)) && truthy(right(s));
    }
    case "or": {
      const left = compileNode(node.left);
      const right = compileNode(node.right);
      return (s) => truthy(left(s)) || truthy(right(s));
    }
    case "call":
      return compileCall(node);
    case "compare":
      return compileCompare(node.op, node.left, node.right);
  }
}

/** Compiles a path to a resolver that never reads inherited properties. */
export function compilePath(segments: readonly PathSegment[]): Evaluator {
  const [root, ...rest] = segments;
  if (typeof root !== "string") throw new Error("unreachable: path root must be a name");
  const fromAgent = root === "agent";
  return (scope) => {
    const ctx = scope.context;
    let value: unknown = Object.hasOwn(ctx, root) ? ctx[root] : fromAgent ? scope.agent : MISSING;
    if (value === undefined) return MISSING;
    for (const segment of rest) {
      value = step(value, segment);
      if (value === MISSING) return MISSING;
    }
    return value;
  };
}

function step(value: unknown, segment: PathSegment): unknown {
  if (typeof value !== "object" || value === null) return MISSING;
  if (Array.isArray(value)) {
    if (typeof segment !== "number" || segment >= value.length) return MISSING;
    const item: unknown = value[segment];
    return item === undefined ? MISSING : item;
  }
  const key = String(segment);
  if (!Object.hasOwn(value, key)) return MISSING;
  const item = (value as Record<string, unknown>)[key];
  return item === undefined ? MISSING : item;
}

function compileCall(node: Node & { kind: "call" }): Evaluator {
  const [first, second] = node.args;
  if (first === undefined) throw new Error("unreachable: arity checked by the parser");
  switch (node.fn) {
    case "has": {
      if (first.kind !== "path") throw new Error("unreachable: has() takes a path");
      const path = compilePath(first.segments);
      return (s) => path(s) !== MISSING;
    }
    case "len": {
      const arg = compileNode(first);
      return (s) => {
        const v = arg(s);
        if (v === MISSING) return MISSING;
        if (typeof v === "string" || Array.isArray(v)) return v.length;
        if (typeof v === "object" && v !== null) return Object.keys(v).length;
        throw new EvaluationError(`len() of a ${typeName(v)}`);
      };
    }
    case "lower":
    case "upper": {
      const arg = compileNode(first);
      const upper = node.fn === "upper";
      const name = node.fn;
      return (s) => {
        const v = arg(s);
        if (v === MISSING) return MISSING;
        if (typeof v !== "string") throw new EvaluationError(`${name}() of a ${typeName(v)}`);
        checkSize(v);
        return upper ? v.toUpperCase() : v.toLowerCase();
      };
    }
    case "glob": {
      if (second?.kind !== "literal" || typeof second.value !== "string") {
        throw new ConditionSyntaxError("glob() takes a string literal pattern as its second argument", node.at);
      }
      const re = compileGlob(second.value, "condition");
      const arg = compileNode(first);
      return (s) => {
        const v = arg(s);
        if (v === MISSING) return MISSING;
        if (typeof v !== "string") throw new EvaluationError(`glob() of a ${typeName(v)}`);
        checkSize(v);
        return re.test(v);
      };
    }
  }
}

function isPrimitive(v: unknown): v is Literal {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

function compileCompare(op: CompareOp, leftNode: Node, rightNode: Node): Evaluator {
  const left = compileNode(leftNode);
  // Specialised fast path for the commonest shape: path == 'literal'.
  if ((op === "==" || op === "!=") && rightNode.kind === "literal") {
    const lit = rightNode.value;
    const negate = op === "!=";
    return (s) => {
      const v = left(s);
      if (v === lit) return !negate;
      if (v === MISSING) return negate;
      checkSize(v);
      return negate;
    };
  }
  if ((op === "in" || op === "not in") && rightNode.kind === "list") {
    const set: ReadonlySet<unknown> = new Set(rightNode.items);
    const negate = op === "not in";
    return (s) => {
      const v = left(s);
      if (v === MISSING) return negate;
      checkSize(v);
      return set.has(v) !== negate;
    };
  }
  if (op === "matches") {
    if (rightNode.kind !== "literal" || typeof rightNode.value !== "string") throw new Error("unreachable: checked by the parser");
    const re = compileRegex(rightNode.value, rightNode.at);
    return (s) => {
      const v = left(s);
      if (v === MISSING) return false;
      if (typeof v !== "string") throw new EvaluationError(`'matches' on a ${typeName(v)}`);
      checkSize(v);
      return re.test(v);
    };
  }
  const right = compileNode(rightNode);
  const test = BINARY[op];
  return (s) => test(left(s), right(s));
}

/** Compiles a `matches` pattern after screening it. */
function compileRegex(pattern: string, at: number): RegExp {
  const rejection = screenRegex(pattern);
  if (rejection !== null) throw new ConditionSyntaxError(rejection.message, at, "rewrite the pattern without it (anchor with ^…$ and use bounded repeats)");
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new ConditionSyntaxError(`invalid regular expression: ${(error as Error).message}`, at);
  }
}

function equals(a: unknown, b: unknown): boolean {
  checkSize(a);
  checkSize(b);
  return isPrimitive(a) && a === b;
}

function order(a: unknown, b: unknown, op: string): [number, number] | [string, string] {
  if (typeof a === "number" && typeof b === "number") return [a, b];
  if (typeof a === "string" && typeof b === "string") {
    checkSize(a);
    checkSize(b);
    return [a, b];
  }
  throw new EvaluationError(`'${op}' between a ${typeName(a)} and a ${typeName(b)}`);
}

function member(v: unknown, list: unknown): boolean {
  if (!Array.isArray(list)) throw new EvaluationError(`'in' needs a list on its right, got a ${typeName(list)}`);
  checkSize(v);
  return isPrimitive(v) && list.includes(v);
}

function stringPair(a: unknown, b: unknown, op: string): [string, string] {
  if (typeof a !== "string" || typeof b !== "string") throw new EvaluationError(`'${op}' between a ${typeName(a)} and a ${typeName(b)}`);
  checkSize(a);
  checkSize(b);
  return [a, b];
}

type Binary = (a: unknown, b: unknown) => boolean;

const BINARY: Readonly<Record<Exclude<CompareOp, "matches">, Binary>> = {
  "==": (a, b) => a !== MISSING && b !== MISSING && equals(a, b),
  "!=": (a, b) => a === MISSING || b === MISSING || !equals(a, b),
  "<": (a, b) => a !== MISSING && b !== MISSING && lt(order(a, b, "<")),
  "<=": (a, b) => a !== MISSING && b !== MISSING && !lt(swap(order(a, b, "<="))),
  ">": (a, b) => a !== MISSING && b !== MISSING && lt(swap(order(a, b, ">"))),
  ">=": (a, b) => a !== MISSING && b !== MISSING && !lt(order(a, b, ">=")),
  in: (a, b) => a !== MISSING && b !== MISSING && member(a, b),
  "not in": (a, b) => a === MISSING || b === MISSING || !member(a, b),
  contains: (a, b) => {
    if (a === MISSING || b === MISSING) return false;
    if (Array.isArray(a)) {
      checkSize(b);
      return isPrimitive(b) && a.includes(b);
    }
    const [x, y] = stringPair(a, b, "contains");
    return x.includes(y);
  },
  startswith: (a, b) => {
    if (a === MISSING || b === MISSING) return false;
    const [x, y] = stringPair(a, b, "startswith");
    return x.startsWith(y);
  },
  endswith: (a, b) => {
    if (a === MISSING || b === MISSING) return false;
    const [x, y] = stringPair(a, b, "endswith");
    return x.endsWith(y);
  },
};

function lt(pair: [number, number] | [string, string]): boolean {
  return pair[0] < pair[1];
}

function swap(pair: [number, number] | [string, string]): [number, number] | [string, string] {
  return [pair[1], pair[0]] as [number, number] | [string, string];
}
