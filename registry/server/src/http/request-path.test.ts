import { describe, expect, it } from "vitest";
import { intParam, parseRequestPath } from "./request-path.js";
import { jsonDepthWithin, jsonPrescanProblem } from "./json-depth.js";

describe("parseRequestPath", () => {
  it("splits segments and decodes query values exactly once", () => {
    const parsed = parseRequestPath("/v1/search?q=web%2520search");
    expect(parsed.segments).toEqual(["v1", "search"]);
    expect(parsed.query.get("q")).toBe("web%20search");
  });
  it.each(["v1/x", "/v1/%2e%2e", "/v1/a\\b", "/v1//x", "/v1/./x", "/v1/../x", "/v1/x?a", "/v1/x?a=1&a=2", "/v1/x?A=1", "/v1/x?q=%E0%A4%A", `/${"a".repeat(3000)}`])(
    "rejects %s", (url) => {
      expect(() => parseRequestPath(url)).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }) as Error);
    },
  );
  it("reads strict non-negative integers", () => {
    const { query } = parseRequestPath("/x?a=12&b=01&c=-1&d=99999999999999999");
    expect(intParam(query, "a")).toBe(12);
    for (const key of ["b", "c", "d", "missing"]) expect(() => intParam(query, key)).toThrow();
  });
});

describe("jsonDepthWithin", () => {
  const depth = (text: string, max: number): boolean => jsonDepthWithin(Buffer.from(text), max);
  it("counts nesting outside strings only", () => {
    expect(depth("[[[]]]", 3)).toBe(true);
    expect(depth("[[[[]]]]", 3)).toBe(false);
    expect(depth('["[[[[[[", "\\"[[[["]', 1)).toBe(true);
    expect(depth('{"a":{"b":{"c":1}}}', 2)).toBe(false);
  });
});

describe("jsonPrescanProblem", () => {
  const problem = (text: string): string | undefined => jsonPrescanProblem(Buffer.from(text), 32);
  it("finds duplicate keys at any depth, also when escaped differently", () => {
    expect(problem('{"a":1,"a":2}')).toMatch(/duplicate/);
    expect(problem('{"x":{"b":[1,{"c":1,"c":2}]}}')).toMatch(/duplicate/);
    expect(problem(String.raw`{"a":1,"\u0061":2}`)).toMatch(/duplicate/);
    expect(problem(String.raw`{"a":1,"\\u0061":2}`)).toBeUndefined();
  });
  it("allows equal keys in sibling objects and equal string values", () => {
    expect(problem('[{"a":1},{"a":1}]')).toBeUndefined();
    expect(problem('{"a":"a","b":"a"}')).toBeUndefined();
    expect(problem('{"a":{"a":{"a":1}}}')).toBeUndefined();
  });
});
