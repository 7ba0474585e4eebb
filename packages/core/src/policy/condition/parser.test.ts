import { describe, expect, it } from "vitest";
import { MAX_CONDITION_DEPTH, MAX_CONDITION_LENGTH, MAX_LIST_ITEMS, parseCondition } from "./parser.js";
import { ConditionSyntaxError } from "./syntax-error.js";

function syntaxError(text: string): ConditionSyntaxError {
  try {
    parseCondition(text);
  } catch (error) {
    if (error instanceof ConditionSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${text} not to parse`);
}

describe("parseCondition", () => {
  it("binds not tighter than and, and tighter than or", () => {
    const ast = parseCondition("not a or b and c");
    expect(ast.kind).toBe("or");
    if (ast.kind !== "or") return;
    expect(ast.left.kind).toBe("not");
    expect(ast.right.kind).toBe("and");
  });

  it("reads 'not in' as one operator and 'not' before a comparison as negation", () => {
    const notIn = parseCondition("x not in [1, 2]");
    expect(notIn).toMatchObject({ kind: "compare", op: "not in" });
    expect(parseCondition("not x == 1")).toMatchObject({ kind: "not", operand: { kind: "compare", op: "==" } });
  });

  it("keeps quoted 'or' inside strings as text", () => {
    expect(parseCondition("a == 'this or that'")).toMatchObject({ kind: "compare", right: { kind: "literal", value: "this or that" } });
  });

  it("parses indexed and quoted-key paths", () => {
    expect(parseCondition("args.items[0]['odd key']")).toMatchObject({ kind: "path", segments: ["args", "items", 0, "odd key"] });
  });

  it("types literals", () => {
    expect(parseCondition("[1, -2.5, 'x', true, null]")).toMatchObject({ kind: "list", items: [1, -2.5, "x", true, null] });
  });

  it("processes the allowed escapes and rejects the others", () => {
    expect(parseCondition("a == 'it\\'s\\n\\u0041'")).toMatchObject({ right: { value: "it's\nA" } });
    expect(syntaxError("a == '\\d'").message).toContain("unknown escape");
  });

  it("hints '==' for '=' with the position", () => {
    const error = syntaxError("tool_name = 'exec'");
    expect(error.offset).toBe(10);
    expect(error.hint).toBe("did you mean '=='?");
  });

  it("rejects chained comparisons, unknown functions, bad arity and non-path has()", () => {
    expect(syntaxError("a == b == c").message).toContain("do not chain");
    expect(syntaxError("size(a) > 1").message).toContain("unknown function 'size'");
    expect(syntaxError("glob(a)").message).toContain("takes 2 arguments");
    expect(syntaxError("has('a')").message).toContain("has() takes a path");
  });

  it("rejects unbalanced parentheses and trailing tokens", () => {
    expect(syntaxError("(a == 1").message).toContain("expected ')'");
    expect(syntaxError("a == 1 b").message).toContain("expected the end");
  });

  it("suggests lower-case keywords", () => {
    expect(syntaxError("a AND b").hint).toBe("did you mean 'and'?");
  });

  it("enforces the length, depth and list limits", () => {
    expect(syntaxError("a".repeat(MAX_CONDITION_LENGTH + 1)).message).toContain("longer than");
    expect(parseCondition("a".repeat(MAX_CONDITION_LENGTH))).toMatchObject({ kind: "path" });
    expect(syntaxError("(".repeat(MAX_CONDITION_DEPTH + 1) + "a" + ")".repeat(MAX_CONDITION_DEPTH + 1)).message).toContain("nests deeper");
    expect(parseCondition("(".repeat(MAX_CONDITION_DEPTH - 1) + "a" + ")".repeat(MAX_CONDITION_DEPTH - 1))).toMatchObject({ kind: "path" });
    const items = Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => i).join(",");
    expect(syntaxError(`a in [${items}]`).message).toContain("more than");
  });

  it("requires a string literal for matches", () => {
    expect(syntaxError("a matches b").message).toContain("string literal");
  });
});
