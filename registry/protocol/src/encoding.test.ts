import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bytesEqual, decodeUtf8, fromBase64, fromHex, isWellFormed, toBase64, toHex, utf8 } from "./encoding.js";

describe("hex", () => {
  it("round-trips lowercase hex", () => {
    expect(toHex(Uint8Array.of(0, 0xab, 0xff))).toBe("00abff");
    expect(fromHex("00abff")).toEqual(Uint8Array.of(0, 0xab, 0xff));
    expect(fromHex("")).toEqual(new Uint8Array());
  });
  it.each(["00ABFF", "0", "zz", " 00", "0x00"])("rejects %j", (text) => {
    expect(fromHex(text)).toBeUndefined();
  });
  it("encodes a subarray view, not its whole buffer", () => {
    expect(toHex(Uint8Array.of(1, 2, 3, 4).subarray(1, 3))).toBe("0203");
  });
});

describe("base64", () => {
  it("round-trips padded standard base64", () => {
    expect(toBase64(utf8("any carnal pleas"))).toBe("YW55IGNhcm5hbCBwbGVhcw==");
    expect(fromBase64("YW55IGNhcm5hbCBwbGVhcw==")).toEqual(utf8("any carnal pleas"));
    expect(fromBase64("")).toEqual(new Uint8Array());
  });
  it.each([
    ["missing padding", "YW55IGNhcm5hbCBwbGVhcw"],
    ["URL-safe alphabet", "-_8="],
    ["non-zero trailing bits", "YR=="],
    ["whitespace", "YW55 IGNh"],
    ["newline", "YW55\nIGNh"],
    ["bad length", "YWE"],
    ["padding in the middle", "YQ==YQ=="],
    ["too much padding", "Y==="],
  ])("rejects %s", (_name, text) => {
    expect(fromBase64(text)).toBeUndefined();
  });
  it("property: every encoding decodes to the same bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
      expect(fromHex(toHex(bytes))).toEqual(bytes);
    }));
  });
});

describe("bytesEqual", () => {
  it("compares contents and lengths", () => {
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3))).toBe(false);
  });
});

describe("UTF-8", () => {
  it("detects lone surrogates", () => {
    expect(isWellFormed("a\ud83d\ude00b")).toBe(true);
    expect(isWellFormed("a\ud83d")).toBe(false);
  });
  it("decodes strictly", () => {
    expect(decodeUtf8(utf8("é€"))).toBe("é€");
    expect(decodeUtf8(Uint8Array.of(0xc3))).toBeUndefined();
    expect(decodeUtf8(Uint8Array.of(0xed, 0xa0, 0x80))).toBeUndefined(); // encoded surrogate
    expect(decodeUtf8(Uint8Array.of(0xc0, 0xaf))).toBeUndefined(); // overlong '/'
  });
});
