import { describe, expect, it } from "vitest";
import { screenRegex } from "./regex-guard.js";

describe("screenRegex", () => {
  it.each(["^[a-z0-9._%+-]+@example[.]com$", "^(ab|cd){2,5}$", "(?:a|b)*c", "^\\d{3}-\\d{4}$", "(\\d+)?x", "[(+*]+"])("accepts %s", (pattern) => {
    expect(screenRegex(pattern)).toBeNull();
  });

  it.each([
    ["^([a-z0-9]+)*@x$", "nested unbounded"],
    ["(a+)+", "nested unbounded"],
    ["((ab)*c)+", "nested unbounded"],
    ["(a{2,})*", "nested unbounded"],
    ["(a)\\1", "back-references"],
    ["(?<n>a)\\k<n>", "back-references"],
    ["(?<=a)b", "look-behind"],
    ["(?<!a)b", "look-behind"],
  ])("rejects %s (%s)", (pattern, why) => {
    expect(screenRegex(pattern)?.message).toContain(why);
  });
});
