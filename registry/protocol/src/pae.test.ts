import { describe, expect, it } from "vitest";
import { pae } from "./pae.js";
import { utf8 } from "./encoding.js";

describe("pae", () => {
  it("matches the DSSE specification example", () => {
    const out = Buffer.from(pae("http://example.com/HelloWorld", utf8("hello world"))).toString("latin1");
    expect(out).toBe("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });
  it("counts UTF-8 bytes, not characters, and handles an empty payload", () => {
    expect(Buffer.from(pae("é", new Uint8Array())).toString("utf8")).toBe("DSSEv1 2 é 0 ");
  });
  it("keeps binary payload bytes verbatim", () => {
    const out = pae("t", Uint8Array.of(0, 255, 32));
    expect([...out.subarray(-3)]).toEqual([0, 255, 32]);
  });
  it("separates type and payload so that shifting bytes between them changes the encoding", () => {
    expect(pae("ab", utf8("c"))).not.toEqual(pae("a", utf8("bc")));
  });
});
