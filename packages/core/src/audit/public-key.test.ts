import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { importEd25519PublicKey } from "./public-key.js";

const hex = (h: string) => Buffer.from(h, "hex");

describe("importEd25519PublicKey", () => {
  it("imports a real key, raw or PEM, that verifies its signatures", () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
    const raw = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
    const signature = sign(null, Buffer.from("m"), privateKey);
    for (const key of [importEd25519PublicKey(raw), importEd25519PublicKey(pem)]) {
      expect(verify(null, Buffer.from("m"), key, signature)).toBe(true);
      expect(verify(null, Buffer.from("n"), key, signature)).toBe(false);
    }
  });

  it.each([
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  ])("refuses the small-order point %s", (point) => {
    expect(() => importEd25519PublicKey(hex(point))).toThrow(/small-order/);
  });

  it("is needed: node:crypto alone imports a small-order key that this import refuses", () => {
    const identity = hex("0100000000000000000000000000000000000000000000000000000000000000");
    const plain = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: identity.toString("base64url") }, format: "jwk" });
    expect(plain.asymmetricKeyType).toBe("ed25519");
    expect(() => importEd25519PublicKey(identity)).toThrow(/small-order/);
  });

  it.each([
    ["y = p", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
    ["y = p + 1", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
    ["y = 2^255 - 1", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
    ["identity with the sign bit", "0100000000000000000000000000000000000000000000000000000000000080"],
    ["order 2 with the sign bit", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"],
  ])("refuses a non-canonical encoding (%s)", (_what, point) => {
    expect(() => importEd25519PublicKey(hex(point))).toThrow(/canonical/);
  });

  it("refuses wrong lengths, non-Ed25519 PEM keys and garbage, with code INVALID_KEY", () => {
    expect(() => importEd25519PublicKey(new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => importEd25519PublicKey(new Uint8Array(33))).toThrow(/32 bytes/);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "pem", type: "spki" }).toString();
    expect(() => importEd25519PublicKey(ec)).toThrow(/expected an Ed25519 key/);
    expect(() => importEd25519PublicKey("not a key")).toThrow(expect.objectContaining({ code: "INVALID_KEY" }) as Error);
  });
});
