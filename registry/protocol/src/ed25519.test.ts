import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  assertStrongPublicKey, generateKeyPair, isKeyId, keyIdOf, publicKeyOf, publicKeyWeakness, signEd25519, verifyEd25519,
} from "./ed25519.js";
import { fromHex, toHex } from "./encoding.js";
import { sha256 } from "./hash.js";
import { isRegistryError } from "./errors.js";
import { WYCHEPROOF_EDDSA } from "./testing/fixtures/wycheproof-eddsa.js";

const hex = (text: string): Uint8Array => {
  const bytes = fromHex(text);
  if (bytes === undefined) throw new Error(`bad hex ${text}`);
  return bytes;
};

// RFC 8032 §7.1 test vectors 1–3 and SHA(abc).
const RFC8032 = [
  {
    secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    public: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    message: "",
    signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  },
  {
    secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    public: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    message: "72",
    signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  },
  {
    secret: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    public: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    message: "af82",
    signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
  },
];

/** The eight small-order points in canonical encoding (orders 1, 2, 4, 4, 8, 8, 8, 8). */
const SMALL_ORDER = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
];

/** Non-canonical encodings: y ≥ p, or x = 0 with the sign bit set. */
const NON_CANONICAL = [
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1 (identity)
  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = 2^255 - 1
  "0100000000000000000000000000000000000000000000000000000000000080", // identity, x sign bit
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = -1, x sign bit
];

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function littleEndian(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function readLittleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n;
}

describe("RFC 8032 vectors", () => {
  it.each(RFC8032)("test vector with message '$message'", (v) => {
    const secret = hex(v.secret);
    expect(toHex(publicKeyOf(secret))).toBe(v.public);
    expect(toHex(signEd25519(hex(v.message), secret))).toBe(v.signature);
    expect(verifyEd25519(hex(v.signature), hex(v.message), hex(v.public))).toBe(true);
  });
  it("rejects a signature over another message", () => {
    const v = RFC8032[1]!;
    expect(verifyEd25519(hex(v.signature), hex("73"), hex(v.public))).toBe(false);
  });
});

describe("Wycheproof vectors", () => {
  it.each(WYCHEPROOF_EDDSA)("tcId %i", (_id, pk, msg, sig, valid) => {
    // Odd-length hex (none here) or wrong-length signatures are simply invalid inputs.
    const signature = fromHex(sig) ?? new Uint8Array();
    expect(verifyEd25519(signature, hex(msg), hex(pk))).toBe(valid);
  });
});

describe("strict verification (§11.4)", () => {
  const { secretKey, publicKey } = generateKeyPair();
  const message = new TextEncoder().encode("agentgov");
  const signature = signEd25519(message, secretKey);

  it("accepts a genuine signature", () => {
    expect(verifyEd25519(signature, message, publicKey)).toBe(true);
  });
  it("rejects S + L (malleated signature)", () => {
    const s = readLittleEndian(signature.subarray(32));
    const malleated = new Uint8Array(signature);
    malleated.set(littleEndian(s + L), 32);
    expect(verifyEd25519(malleated, message, publicKey)).toBe(false);
  });
  it("rejects S = L exactly and S = 2^256 - 1", () => {
    for (const s of [L, 2n ** 256n - 1n]) {
      const bad = new Uint8Array(signature);
      bad.set(littleEndian(s), 32);
      expect(verifyEd25519(bad, message, publicKey)).toBe(false);
    }
  });
  it("rejects 63- and 65-byte signatures", () => {
    expect(verifyEd25519(signature.subarray(0, 63), message, publicKey)).toBe(false);
    expect(verifyEd25519(Uint8Array.of(...signature, 0), message, publicKey)).toBe(false);
  });
  it("rejects a non-canonical R", () => {
    for (const r of NON_CANONICAL) {
      const bad = new Uint8Array(signature);
      bad.set(hex(r), 0);
      expect(verifyEd25519(bad, message, publicKey)).toBe(false);
    }
  });
  it("rejects the small-order identity key with R = identity, S = 0 for any message", () => {
    const identity = hex(SMALL_ORDER[0]!);
    const sig = new Uint8Array(64);
    sig.set(identity, 0);
    expect(verifyEd25519(sig, message, identity)).toBe(false);
    expect(verifyEd25519(sig, new Uint8Array(), identity)).toBe(false);
  });
  it.each(SMALL_ORDER)("rejects every signature under small-order key %s", (pk) => {
    const key = hex(pk);
    for (const r of SMALL_ORDER) {
      const sig = new Uint8Array(64);
      sig.set(hex(r), 0);
      expect(verifyEd25519(sig, message, key)).toBe(false);
    }
  });
  it("rejects a wrong-length public key without throwing", () => {
    expect(verifyEd25519(signature, message, publicKey.subarray(0, 31))).toBe(false);
  });
  it("property: a flipped bit in signature, message or key fails", () => {
    fc.assert(fc.property(fc.nat({ max: 64 * 8 + 8 * 8 + 32 * 8 - 1 }), (bit) => {
      const sig = new Uint8Array(signature);
      const msg = new Uint8Array(message);
      const pk = new Uint8Array(publicKey);
      const [target, index] = bit < 512 ? [sig, bit] : bit < 576 ? [msg, bit - 512] : [pk, bit - 576];
      target[index >> 3] = (target[index >> 3] ?? 0) ^ (1 << (index & 7));
      expect(verifyEd25519(sig, msg, pk)).toBe(false);
    }), { numRuns: 200 });
  });
});

describe("public key checks", () => {
  it("accepts a generated key", () => {
    expect(publicKeyWeakness(generateKeyPair().publicKey)).toBeUndefined();
    expect(publicKeyWeakness(hex(RFC8032[0]!.public))).toBeUndefined();
  });
  it.each(SMALL_ORDER)("rejects small-order key %s", (pk) => {
    expect(publicKeyWeakness(hex(pk))).toBe("public key has small order");
  });
  it.each(NON_CANONICAL)("rejects non-canonical key %s", (pk) => {
    expect(publicKeyWeakness(hex(pk))).toBe("public key is not a canonical curve point");
  });
  it("rejects a point not on the curve", () => {
    // y = 2 has no x on edwards25519.
    expect(publicKeyWeakness(hex("02" + "00".repeat(31)))).toBe("public key is not a canonical curve point");
  });
  it("rejects wrong lengths", () => {
    expect(publicKeyWeakness(new Uint8Array(31))).toBe("public key is not 32 bytes");
    expect(publicKeyWeakness(new Uint8Array(33))).toBe("public key is not 32 bytes");
  });
  it("assertStrongPublicKey throws REGISTRY_WEAK_KEY", () => {
    expect(() => { assertStrongPublicKey(hex(SMALL_ORDER[4]!)); }).toThrow(expect.objectContaining({ code: "REGISTRY_WEAK_KEY" }));
    expect(() => { assertStrongPublicKey(generateKeyPair().publicKey); }).not.toThrow();
  });
});

describe("key ids and secret keys", () => {
  it("is ed25519: + hex SHA-256 of the raw public key", () => {
    const pk = hex(RFC8032[0]!.public);
    expect(keyIdOf(pk)).toBe(`ed25519:${toHex(sha256(pk))}`);
    expect(isKeyId(keyIdOf(pk))).toBe(true);
  });
  it.each(["ed25519:" + "A".repeat(64), "ed25519:" + "a".repeat(63), "rsa:" + "a".repeat(64), 42])("rejects key id %j", (id) => {
    expect(isKeyId(id)).toBe(false);
  });
  it("refuses a secret key that is not a 32-byte seed", () => {
    for (const fn of [() => signEd25519(new Uint8Array(), new Uint8Array(64)), () => publicKeyOf(new Uint8Array(31))]) {
      try {
        fn();
        expect.unreachable();
      } catch (error) {
        expect(isRegistryError(error) && error.code).toBe("REGISTRY_REQUEST_INVALID");
      }
    }
  });
  it("generates distinct keys with matching key ids", () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(a.keyid).toBe(keyIdOf(a.publicKey));
    expect(a.keyid).not.toBe(b.keyid);
  });
});
