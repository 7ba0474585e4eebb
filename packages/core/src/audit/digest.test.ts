import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { digestArgs } from "./index.js";
import { isHex64 } from "./digest.js";

describe("digestArgs", () => {
  it("is the sha256 of the canonical JSON, so key order does not matter", () => {
    const expected = createHash("sha256").update('{"a":[1,"é"],"b":{"c":null}}', "utf8").digest("hex");
    expect(digestArgs({ b: { c: null }, a: [1, "é"] })).toBe(expected);
    expect(digestArgs({ a: [1, "é"], b: { c: null } })).toBe(expected);
    expect(digestArgs({ a: 1 })).not.toBe(digestArgs({ a: 2 }));
    expect(isHex64(digestArgs(null))).toBe(true);
  });

  it("throws INVALID_REQUEST for values that are not JSON", () => {
    const invalid = expect.objectContaining({ code: "INVALID_REQUEST" }) as Error;
    expect(() => digestArgs(undefined)).toThrow(invalid);
    expect(() => digestArgs({ n: 1n })).toThrow(invalid);
    expect(() => digestArgs({ d: new Date(0) })).toThrow(invalid);
  });
});
