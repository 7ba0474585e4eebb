import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { assertNoNull, canonicalBytes, canonicalJson, parseCanonicalJson, parseJsonBounded } from "./canonical-json.js";
import { isRegistryError } from "./errors.js";
import { utf8 } from "./encoding.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRegistryError(error) ? error.code : `non-registry: ${String(error)}`;
  }
  return undefined;
}

function float(hex: string): number {
  return Buffer.from(hex, "hex").readDoubleBE(0);
}

describe("canonicalJson: RFC 8785 vectors", () => {
  // RFC 8785 Appendix B: IEEE 754 bit patterns and their JSON serialisation.
  const numbers: [string, string][] = [
    ["0000000000000000", "0"],
    ["8000000000000000", "0"],
    ["0000000000000001", "5e-324"],
    ["8000000000000001", "-5e-324"],
    ["7fefffffffffffff", "1.7976931348623157e+308"],
    ["ffefffffffffffff", "-1.7976931348623157e+308"],
    ["4340000000000000", "9007199254740992"],
    ["c340000000000000", "-9007199254740992"],
    ["4430000000000000", "295147905179352830000"],
    ["44b52d02c7e14af5", "9.999999999999997e+22"],
    ["44b52d02c7e14af6", "1e+23"],
    ["44b52d02c7e14af7", "1.0000000000000001e+23"],
    ["444b1ae4d6e2ef4e", "999999999999999700000"],
    ["444b1ae4d6e2ef4f", "999999999999999900000"],
    ["444b1ae4d6e2ef50", "1e+21"],
    ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
    ["3eb0c6f7a0b5ed8d", "0.000001"],
    ["41b3de4355555553", "333333333.3333332"],
    ["41b3de4355555554", "333333333.33333325"],
    ["41b3de4355555555", "333333333.3333333"],
    ["41b3de4355555556", "333333333.3333334"],
    ["41b3de4355555557", "333333333.33333343"],
    ["becbf647612f3696", "-0.0000033333333333333333"],
    ["43143ff3c1cb0959", "1424953923781206.2"],
  ];
  it.each(numbers)("number %s → %s", (hex, text) => {
    expect(canonicalJson(float(hex))).toBe(text);
  });

  it.each(["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])("rejects non-finite %s", (hex) => {
    expect(codeOf(() => canonicalJson(float(hex)))).toBe("REGISTRY_NONCANONICAL");
  });

  it("§3.2.2 example: whitespace, numbers, string escapes", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
      ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
      ' "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("§3.2.3 example: keys sorted by UTF-16 code units", () => {
    const input = {
      "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    const keys = Object.keys(JSON.parse(canonicalJson(input)) as object);
    // Integer-like keys come first in JS objects, so compare the text order instead.
    const order = ["\\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"];
    const text = canonicalJson(input);
    const positions = order.map((k) => text.indexOf(`"${k}"`));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] ?? -1)))).toBe(true);
    expect(keys).toHaveLength(7);
  });

  it("orders a surrogate pair below U+FB33 (code units, not code points)", () => {
    expect(canonicalJson({ "\ufb33": 1, "\ud83d\ude00": 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
  });

  it("escapes control characters as lowercase \\u00xx and short forms", () => {
    expect(canonicalJson("\u0000\u0008\t\n\u000b\f\r\u001f\u007f")).toBe('"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\u007f"');
  });

  it("writes no whitespace and nests", () => {
    expect(canonicalJson({ b: [1, { d: true, c: null }], a: "x" })).toBe('{"a":"x","b":[1,{"c":null,"d":true}]}');
  });

  it("omits undefined properties but rejects undefined in arrays", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(codeOf(() => canonicalJson([1, undefined]))).toBe("REGISTRY_NONCANONICAL");
  });

  it.each([
    ["lone high surrogate", "\ud800"],
    ["lone low surrogate", "a\udc00b"],
    ["bigint", 1n],
    ["function", () => 1],
    ["symbol", Symbol("x")],
    ["Date", new Date(0)],
    ["Map", new Map()],
    ["lone surrogate key", { "\ud800": 1 }],
    ["NaN in an object", { a: Number.NaN }],
  ])("rejects %s", (_name, value) => {
    expect(codeOf(() => canonicalJson(value))).toBe("REGISTRY_NONCANONICAL");
  });

  it("reports the path of the offending value", () => {
    try {
      canonicalJson({ a: [{ b: Infinity }] });
      expect.unreachable();
    } catch (error) {
      expect(isRegistryError(error) && error.path).toBe("a[0].b");
    }
  });

  it("enforces the nesting limit", () => {
    const deep = (n: number): unknown => (n === 0 ? 1 : [deep(n - 1)]);
    expect(canonicalJson(deep(32))).toBe("[".repeat(32) + "1" + "]".repeat(32));
    expect(codeOf(() => canonicalJson(deep(33)))).toBe("REGISTRY_NONCANONICAL");
    expect(codeOf(() => canonicalJson(deep(3), { maxDepth: 2 }))).toBe("REGISTRY_NONCANONICAL");
  });

  it("accepts null-prototype objects", () => {
    const obj = Object.create(null) as Record<string, unknown>;
    obj.z = 1;
    obj.a = 2;
    expect(canonicalJson(obj)).toBe('{"a":2,"z":1}');
  });

  it("canonicalBytes is the UTF-8 of the text", () => {
    expect(Buffer.from(canonicalBytes({ "é": "€" })).toString("hex")).toBe(Buffer.from('{"é":"€"}').toString("hex"));
  });

  it("property: canonical text re-parses to a value with the same canonical text", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const text = canonicalJson(value);
      expect(canonicalJson(JSON.parse(text))).toBe(text);
      expect(parseCanonicalJson(utf8(text), { maxBytes: 1 << 20, maxDepth: 64, allowNull: true })).toEqual(JSON.parse(text));
    }));
  });
});

describe("strings", () => {
  it("property: a well-formed string serialises as JSON.stringify does; a lone surrogate is refused", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => {
      // Independent oracle: a lone surrogate does not survive a UTF-8 round trip.
      if (Buffer.from(text, "utf8").toString("utf8") === text) expect(canonicalJson(text)).toBe(JSON.stringify(text));
      else expect(codeOf(() => canonicalJson(text))).toBe("REGISTRY_NONCANONICAL");
    }), { numRuns: 500 });
  });
  it("property: arbitrary bytes either parse as canonical JSON or fail with a registry error", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const code = codeOf(() => parseCanonicalJson(bytes, { maxBytes: 1024 }));
      expect(code === undefined || code === "REGISTRY_NONCANONICAL").toBe(true);
    }), { numRuns: 500 });
  });
});

describe("parseCanonicalJson", () => {
  const opts = { maxBytes: 1024 };
  it("accepts canonical bytes", () => {
    expect(parseCanonicalJson(utf8('{"a":[1,"x"],"b":null}'), { ...opts, allowNull: true })).toEqual({ a: [1, "x"], b: null });
  });
  it.each([
    ["whitespace", '{"a": 1}'],
    ["reordered keys", '{"b":1,"a":2}'],
    ["duplicate keys", '{"a":1,"a":1}'],
    ["negative zero", '{"a":-0}'],
    ["exponent", '{"a":1e2}'],
    ["trailing zero", '{"a":1.50}'],
    ["unnecessary escape", '{"a":"\\u0041"}'],
    ["escaped solidus", '{"a":"\\/"}'],
    ["lone surrogate escape", '{"a":"\\ud800"}'],
    ["trailing newline", '{"a":1}\n'],
    ["invalid JSON", '{"a":'],
    ["BOM", '\ufeff{"a":1}'],
  ])("rejects %s", (_name, text) => {
    expect(codeOf(() => parseCanonicalJson(utf8(text), opts))).toBe("REGISTRY_NONCANONICAL");
  });
  it("rejects null values by default, with their path (§4.1)", () => {
    try {
      parseCanonicalJson(utf8('{"a":[1,{"b":null}]}'), opts);
      expect.unreachable();
    } catch (error) {
      expect(isRegistryError(error) && [error.code, error.path]).toEqual(["REGISTRY_NONCANONICAL", "a[1].b"]);
    }
    expect(codeOf(() => parseCanonicalJson(utf8("null"), opts))).toBe("REGISTRY_NONCANONICAL");
    expect(codeOf(() => { assertNoNull({ a: [true, "x", 0] }); })).toBeUndefined();
  });
  it("rejects invalid UTF-8", () => {
    expect(codeOf(() => parseCanonicalJson(Uint8Array.of(0x22, 0xff, 0x22), opts))).toBe("REGISTRY_NONCANONICAL");
  });
  it("rejects input over maxBytes before parsing", () => {
    expect(codeOf(() => parseCanonicalJson(utf8(`"${"a".repeat(1100)}"`), opts))).toBe("REGISTRY_REQUEST_INVALID");
  });
  it("rejects nesting over the limit", () => {
    expect(codeOf(() => parseCanonicalJson(utf8("[[[1]]]"), { maxBytes: 100, maxDepth: 2 }))).toBe("REGISTRY_NONCANONICAL");
  });
});

describe("parseJsonBounded", () => {
  it("parses text and bytes within limits", () => {
    expect(parseJsonBounded('{ "a" : [1] }', { maxBytes: 100 })).toEqual({ a: [1] });
    expect(parseJsonBounded(utf8("[1, 2]"), { maxBytes: 100 })).toEqual([1, 2]);
  });
  it.each([
    ["too large text", "[" + "1,".repeat(150) + "1]"],
    ["too large bytes", utf8("[" + "1,".repeat(150) + "1]")],
    ["invalid JSON", "{"],
    ["lone surrogate in text", '"\ud800"'],
    ["invalid UTF-8", Uint8Array.of(0x22, 0xc3, 0x22)],
    ["too deep", "[[[[1]]]]"],
    ["a deep bomb", "[".repeat(100) + "]".repeat(100)],
  ])("rejects %s", (_name, input) => {
    expect(codeOf(() => parseJsonBounded(input, { maxBytes: 210, maxDepth: 3 }))).toBe("REGISTRY_REQUEST_INVALID");
  });
});
