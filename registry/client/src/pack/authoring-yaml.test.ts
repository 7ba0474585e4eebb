import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseAuthoringYaml, MAX_YAML_BYTES } from "./authoring-yaml.js";

const parse = (text: string): unknown => parseAuthoringYaml(Buffer.from(text));
const rejects = (text: string): void => {
  expect(() => parse(text)).toThrow(expect.objectContaining({ code: "REGISTRY_YAML_INVALID" }));
};

describe("parseAuthoringYaml", () => {
  it("parses plain YAML without coercing types", () => {
    expect(parse('name: x\nversion: 1.10\nq: "1.10"\nlist: [a, b]\n')).toEqual({ name: "x", version: 1.1, q: "1.10", list: ["a", "b"] });
  });

  it("rejects anchors, aliases and merge keys", () => {
    rejects("a: &x 1\nb: *x\n");
    rejects("a: &x {k: 1}\n");
    rejects("base: {k: 1}\nother:\n  <<: {k: 2}\n  j: 1\n");
  });

  it("rejects duplicate keys, several documents, unknown tags and non-string keys", () => {
    rejects("a: 1\na: 2\n");
    rejects("a: 1\n---\nb: 2\n");
    rejects("a: !!js/function 'function(){}'\n");
    rejects("a: !custom 1\n");
    rejects("1: one\n");
    rejects("? [a]\n: b\n");
  });

  it("rejects prototype keys, oversized input, invalid UTF-8 and an empty file", () => {
    rejects("__proto__: {polluted: true}\n");
    rejects("x:\n  constructor: 1\n");
    rejects(`a: "${"x".repeat(MAX_YAML_BYTES)}"\n`);
    expect(() => parseAuthoringYaml(Uint8Array.from([0x61, 0x3a, 0x20, 0xff]))).toThrow(expect.objectContaining({ code: "REGISTRY_YAML_INVALID" }));
    rejects("");
  });

  it("never throws anything but a RegistryError", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parse(text);
      } catch (error) {
        expect(error).toMatchObject({ code: "REGISTRY_YAML_INVALID" });
      }
    }), { numRuns: 300 });
  });
});
