import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalFreshString, canonicalJson, canonicalString } from "./canonical-json.js";

/** A double from its IEEE 754 bit pattern (16 hex digits), as RFC 8785 Appendix B lists them. */
function fromIeee(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

/** An independent, straightforward JCS: sort with an explicit UTF-16 code unit comparator. */
function reference(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = a.charCodeAt(i) - b.charCodeAt(i);
      if (d !== 0) return d;
    }
    return a.length - b.length;
  });
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(",")}}`;
}

describe("canonicalJson: RFC 8785 examples", () => {
  it("§3.2.2: serialises the sample's literals, numbers and string escapes", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("§3.2.3: sorts keys by UTF-16 code units (control, digits, Latin-1, BMP, surrogate pairs)", () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",' +
        ' "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    ) as Record<string, string>;
    // The expected order (from the RFC): \r, 1, U+0080, ö, €, 😀 (D83D DE00), U+FB33 — the emoji
    // sorts before U+FB33 by UTF-16 code units, though after it by code point.
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it("Appendix B: every finite number sample", () => {
    const samples: [string, string][] = [
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
    for (const [hex, text] of samples) expect([hex, canonicalJson(fromIeee(hex))]).toEqual([hex, text]);
  });

  it("Appendix B: NaN and Infinity are errors", () => {
    expect(() => canonicalJson(fromIeee("7fffffffffffffff"))).toThrow(TypeError);
    expect(() => canonicalJson(fromIeee("7ff0000000000000"))).toThrow(TypeError);
    expect(() => canonicalJson(-Infinity)).toThrow(/non-finite/);
  });

  it("numbers around the exponent thresholds: 1e21, 1e-7, -0", () => {
    expect(canonicalJson([1e21, 1e20, 1e-7, 1e-6, -0, 0.1, -1.5, 100])).toBe("[1e+21,100000000000000000000,1e-7,0.000001,0,0.1,-1.5,100]");
  });
});

describe("canonicalJson: JSON domain", () => {
  it("escapes only what JSON requires, lowercase \\u00xx, and leaves / and non-ASCII as is", () => {
    expect(canonicalJson("a\"b\\c\u0000\u001f\b\t\n\f\r/é\u2028\u007f")).toBe('"a\\"b\\\\c\\u0000\\u001f\\b\\t\\n\\f\\r/é\u2028\u007f"');
    expect(canonicalString("plain")).toBe('"plain"');
  });

  it("keeps well-formed surrogate pairs and rejects lone surrogates, in values and keys", () => {
    expect(canonicalJson("😀")).toBe('"😀"');
    expect(() => canonicalJson("\ud83d")).toThrow(/lone surrogate/);
    expect(() => canonicalJson("x\ude00")).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ "\ud800": 1 })).toThrow(/lone surrogate/);
  });

  it("omits undefined properties, rejects undefined array items and non-JSON values", () => {
    expect(canonicalJson({ b: 1, a: undefined, c: { d: undefined } })).toBe('{"b":1,"c":{}}');
    expect(() => canonicalJson([1, undefined])).toThrow(/undefined in array/);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
    expect(() => canonicalJson(() => 1)).toThrow(TypeError);
    expect(() => canonicalJson(Symbol("s"))).toThrow(TypeError);
    expect(() => canonicalJson(new Date(0))).toThrow(/plain objects/);
    expect(() => canonicalJson(new Map())).toThrow(/plain objects/);
    expect(canonicalJson(Object.assign(Object.create(null) as object, { z: 1, a: 2 }))).toBe('{"a":2,"z":1}');
  });

  it("sorts nested objects, objects with many keys, and integer-like keys as strings", () => {
    expect(canonicalJson({ b: [{ z: 1, y: 2 }], a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":[{"y":2,"z":1}]}');
    expect(canonicalJson({ 10: "x", 9: "y", 1: "z" })).toBe('{"1":"z","10":"x","9":"y"}');
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${String(39 - i)}`, i]));
    expect(canonicalJson(many)).toBe(reference(many));
  });

  it("refuses cycles (nesting too deep) instead of overflowing the stack", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/too deep/);
  });

  it("property: matches an independent reference and round-trips through JSON.parse", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(text).toBe(reference(value));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("property: key order of the input never changes the output", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 20 }), (dict) => {
        const reversed = Object.fromEntries(Object.entries(dict).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(dict));
      }),
      { numRuns: 300 },
    );
  });
});

describe("canonicalString cache", () => {
  it("returns the same text on a cache hit, for escaped strings too, and stays right past its bound", () => {
    for (const s of ["plain", 'quo"te', "tab\there", "é😀"]) expect(canonicalString(s)).toBe(canonicalString(s));
    expect(canonicalString('quo"te')).toBe(JSON.stringify('quo"te'));
    for (let i = 0; i < 20_000; i++) expect(canonicalString(`k${i}\n`)).toBe(JSON.stringify(`k${i}\n`));
    expect(() => canonicalString("\ud800")).toThrow(TypeError);
    expect(() => canonicalString("\ud800")).toThrow(TypeError);
  });

  it("canonicalFreshString (uncached) writes what canonicalString writes, and refuses the same strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        let cached: string | Error;
        try {
          cached = canonicalString(text);
        } catch (error) {
          cached = error as Error;
        }
        if (cached instanceof Error) expect(() => canonicalFreshString(text)).toThrow(cached.message);
        else expect(canonicalFreshString(text)).toBe(cached);
      }),
      { numRuns: 500 },
    );
    expect(canonicalFreshString("ab".repeat(32))).toBe(`"${"ab".repeat(32)}"`);
    expect(() => canonicalFreshString("\udc00")).toThrow(TypeError);
  });
});

describe("canonicalJson of frozen values", () => {
  const deepFreeze = <T>(value: T): T => {
    if (typeof value === "object" && value !== null) {
      for (const item of Object.values(value)) deepFreeze(item);
      Object.freeze(value);
    }
    return value;
  };

  it("gives a deeply frozen value the same text as its unfrozen copy, first and second time", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const expected = canonicalJson(structuredClone(value));
        const frozen = deepFreeze(structuredClone(value));
        expect(canonicalJson(frozen)).toBe(expected);
        expect(canonicalJson(frozen)).toBe(expected);
        expect(canonicalJson({ inner: frozen })).toBe(canonicalJson({ inner: structuredClone(value) }));
      }),
      { numRuns: 300 },
    );
  });

  it("does not reuse the text of a frozen object whose inner object changed", () => {
    const inner = { n: 1 };
    const outer = Object.freeze({ inner });
    expect(canonicalJson(outer)).toBe('{"inner":{"n":1}}');
    inner.n = 2;
    expect(canonicalJson(outer)).toBe('{"inner":{"n":2}}');
  });

  it("does not reuse the text of a frozen object with a getter", () => {
    let n = 0;
    const outer = Object.freeze({
      get n() {
        return ++n;
      },
    });
    expect(canonicalJson(outer)).toBe('{"n":1}');
    expect(canonicalJson(outer)).toBe('{"n":2}');
  });

  it("keeps the nesting limit for a reused text", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = Object.freeze([deep]);
    expect(canonicalJson(deep)).toHaveLength(601);
    let outer: unknown = deep;
    for (let i = 0; i < 300; i++) outer = [outer];
    expect(() => canonicalJson(outer)).toThrow(/nesting too deep/);
    // Written out in full, the same value is refused the same way.
    expect(() => canonicalJson(structuredClone(outer))).toThrow(/nesting too deep/);
  });
});
