import { describe, expect, it } from "vitest";
import { compileCondition } from "./compile.js";
import { parseCondition } from "./parser.js";
import { EvaluationError, MAX_STRING_OPERAND } from "./values.js";

function evaluate(condition: string, context: Record<string, unknown>, agent: unknown = { id: "a" }): boolean {
  return compileCondition(parseCondition(condition))({ context, agent });
}

describe("compiled conditions", () => {
  it("treats missing paths as POLICY.md §3 says", () => {
    expect(evaluate("role != 'admin'", {})).toBe(true);
    expect(evaluate("cost < 100", {})).toBe(false);
    expect(evaluate("x not in [1]", {})).toBe(true);
    expect(evaluate("x in [1]", {})).toBe(false);
    expect(evaluate("len(x) > 0", {})).toBe(false);
    expect(evaluate("x", {})).toBe(false);
  });

  it("distinguishes a null value (present) from a missing key", () => {
    expect(evaluate("has(args.a)", { args: { a: null } })).toBe(true);
    expect(evaluate("has(args.b)", { args: { a: null } })).toBe(false);
    expect(evaluate("args.a == null", { args: { a: null } })).toBe(true);
  });

  it("never reads inherited properties", () => {
    expect(evaluate("has(args.constructor)", { args: {} })).toBe(false);
    expect(evaluate("has(args.toString)", { args: {} })).toBe(false);
    expect(evaluate("has(args.items.length)", { args: { items: [1] } })).toBe(false);
  });

  it("compares without coercion", () => {
    expect(evaluate("n == 5", { n: "5" })).toBe(false);
    expect(evaluate("n in [5, 6]", { n: 5 })).toBe(true);
    expect(evaluate("n in ['5']", { n: 5 })).toBe(false);
    expect(evaluate("b == true", { b: 1 })).toBe(false);
  });

  it("applies truthiness to bare operands", () => {
    for (const falsy of [null, false, 0, "", [], {}]) expect(evaluate("v", { v: falsy })).toBe(false);
    for (const truthy of [true, 1, "x", [0], { a: 1 }]) expect(evaluate("v", { v: truthy })).toBe(true);
  });

  it("fills agent from the request when the context has none", () => {
    expect(evaluate("agent.id == 'bot'", {}, { id: "bot" })).toBe(true);
    expect(evaluate("agent.id == 'bot'", { agent: { id: "other" } }, { id: "bot" })).toBe(false);
  });

  it("raises evaluation errors on type mismatches", () => {
    expect(() => evaluate("len(n) > 1", { n: 5 })).toThrow(EvaluationError);
    expect(() => evaluate("n < 5", { n: "4" })).toThrow(EvaluationError);
    expect(() => evaluate("n < 5", { n: null })).toThrow(EvaluationError);
    expect(() => evaluate("x in list", { x: 1, list: "abc" })).toThrow(EvaluationError);
    expect(() => evaluate("s startswith 1", { s: "a" })).toThrow(EvaluationError);
    expect(() => evaluate("n matches '^a'", { n: 1 })).toThrow(EvaluationError);
    expect(() => evaluate("lower(n) == 'a'", { n: 1 })).toThrow(EvaluationError);
  });

  it("rejects oversized string operands at run time", () => {
    const big = "a".repeat(MAX_STRING_OPERAND + 1);
    expect(() => evaluate("s == 'a'", { s: big })).toThrow(EvaluationError);
    expect(() => evaluate("s contains 'a'", { s: big })).toThrow(EvaluationError);
    expect(evaluate("s contains 'a'", { s: "a".repeat(MAX_STRING_OPERAND) })).toBe(true);
  });

  it("implements contains, startswith, endswith, matches, glob, lower, upper, len", () => {
    const ctx = { s: "Hello.World", list: ["a", 1], path: "fs.read.file" };
    expect(evaluate("s contains 'o.W'", ctx)).toBe(true);
    expect(evaluate("list contains 1", ctx)).toBe(true);
    expect(evaluate("list contains '1'", ctx)).toBe(false);
    expect(evaluate("s startswith 'Hell' and s endswith 'ld'", ctx)).toBe(true);
    expect(evaluate("s matches 'o\\\\.W'", ctx)).toBe(true);
    expect(evaluate("s matches '[.]W'", ctx)).toBe(true);
    expect(evaluate("glob(path, 'fs.*')", ctx)).toBe(false);
    expect(evaluate("glob(path, 'fs.**')", ctx)).toBe(true);
    expect(evaluate("glob(path, 'fs.?ead.*')", ctx)).toBe(true);
    expect(evaluate("lower(s) == 'hello.world' and upper(s) == 'HELLO.WORLD'", ctx)).toBe(true);
    expect(evaluate("len(list) == 2 and len(s) == 11", ctx)).toBe(true);
  });

  it("short-circuits and/or left to right", () => {
    expect(evaluate("false and len(n) > 1", { n: 5 })).toBe(false);
    expect(evaluate("true or len(n) > 1", { n: 5 })).toBe(true);
  });
});
