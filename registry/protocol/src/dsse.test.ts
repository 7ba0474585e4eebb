import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addSignature, signStatement, verifyEnvelope, type VerifyEnvelopeResult } from "./dsse.js";
import { parseEnvelope, type Envelope } from "./envelope.js";
import { STATEMENT_KINDS, payloadTypeOf, statementTypeOf, type StatementKind } from "./payload-types.js";
import { generateKeyPair, keyIdOf, signEd25519 } from "./ed25519.js";
import { RegistryError, isRegistryError } from "./errors.js";
import { fromBase64, toBase64, utf8 } from "./encoding.js";
import { pae } from "./pae.js";

const alice = generateKeyPair();
const bob = generateKeyPair();
const mallory = generateKeyPair();
const revoke = { _type: "agentgov/revoke/v1", registry: "r.example/log", publisher: "acme", keyid: alice.keyid, reason: "test", issuedAt: "2026-11-21T05:00:00Z" };

function failure<T>(result: VerifyEnvelopeResult<T>): string {
  if (result.ok) throw new Error("expected a failure");
  return result.error.code;
}

function verify(envelope: Envelope | string, kind: StatementKind = "revoke", keys = [alice.publicKey, bob.publicKey], threshold = 1): VerifyEnvelopeResult<unknown> {
  return verifyEnvelope(envelope, { kind, trustedKeys: keys, threshold });
}

/** An envelope over arbitrary payload bytes, correctly signed. */
function rawEnvelope(payloadType: string, payload: Uint8Array, secretKey = alice.secretKey): Envelope {
  const sig = toBase64(signEd25519(pae(payloadType, payload), secretKey));
  return { payloadType, payload: toBase64(payload), signatures: [{ keyid: alice.keyid, sig }] };
}

describe("signStatement / verifyEnvelope", () => {
  it("round-trips a statement and reports the signers", () => {
    const envelope = signStatement("revoke", revoke, [alice.secretKey, bob.secretKey]);
    const result = verify(envelope, "revoke", [alice.publicKey, bob.publicKey], 2);
    expect(result.ok && result.statement).toEqual(revoke);
    expect(result.ok && [...result.keyids].sort()).toEqual([alice.keyid, bob.keyid].sort());
  });
  it("accepts JSON text and bytes", () => {
    const text = JSON.stringify(signStatement("revoke", revoke, [alice.secretKey]));
    expect(verify(text).ok).toBe(true);
    expect(verifyEnvelope(utf8(text), { kind: "revoke", trustedKeys: [alice.publicKey], threshold: 1 }).ok).toBe(true);
  });
  it("refuses to sign a statement whose _type does not match the kind", () => {
    expect(() => signStatement("manifest", revoke, [alice.secretKey])).toThrow(expect.objectContaining({ code: "REGISTRY_PAYLOAD_TYPE" }));
  });
  it("refuses to sign a statement containing null (REGISTRY_NONCANONICAL)", () => {
    expect(() => signStatement("revoke", { ...revoke, reason: null }, [alice.secretKey])).toThrow(expect.objectContaining({ code: "REGISTRY_NONCANONICAL", path: "reason" }));
  });
  it("refuses to sign with no key", () => {
    expect(() => signStatement("revoke", revoke, [])).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
  });
  it("runs the schema check and returns its value", () => {
    const envelope = signStatement("revoke", revoke, [alice.secretKey]);
    const ok = verifyEnvelope(envelope, { kind: "revoke", trustedKeys: [alice.publicKey], threshold: 1, validate: () => 42 });
    expect(ok.ok && ok.statement).toBe(42);
    const bad = verifyEnvelope(envelope, {
      kind: "revoke", trustedKeys: [alice.publicKey], threshold: 1,
      validate: () => { throw new RegistryError("REGISTRY_MANIFEST_INVALID", "no"); },
    });
    expect(failure(bad)).toBe("REGISTRY_MANIFEST_INVALID");
  });
  it("lets non-registry exceptions from the schema check propagate", () => {
    const envelope = signStatement("revoke", revoke, [alice.secretKey]);
    expect(() => verifyEnvelope(envelope, {
      kind: "revoke", trustedKeys: [alice.publicKey], threshold: 1, validate: () => { throw new TypeError("bug"); },
    })).toThrow(TypeError);
  });
  it("rejects a threshold that is not an integer >= 1", () => {
    const envelope = signStatement("revoke", revoke, [alice.secretKey]);
    for (const threshold of [0, 1.5, -1]) expect(failure(verify(envelope, "revoke", [alice.publicKey], threshold))).toBe("REGISTRY_REQUEST_INVALID");
  });
});

describe("verification failures, in order", () => {
  const good = signStatement("revoke", revoke, [alice.secretKey]);

  it("malformed envelope → REGISTRY_SIGNATURE_INVALID", () => {
    expect(failure(verify("{}"))).toBe("REGISTRY_SIGNATURE_INVALID");
    expect(failure(verify({ ...good, extra: 1 } as Envelope))).toBe("REGISTRY_SIGNATURE_INVALID");
  });
  it("oversized envelope → REGISTRY_SIGNATURE_INVALID before parsing", () => {
    const big = JSON.stringify({ ...good, payload: "A".repeat(200 * 1024) });
    expect(failure(verify(big))).toBe("REGISTRY_SIGNATURE_INVALID");
  });
  it("oversized parsed envelope → REGISTRY_SIGNATURE_INVALID", () => {
    expect(failure(verify({ ...good, payload: "A".repeat(200 * 1024) }))).toBe("REGISTRY_SIGNATURE_INVALID");
  });
  it("wrong payload type → REGISTRY_PAYLOAD_TYPE", () => {
    expect(failure(verify(good, "manifest"))).toBe("REGISTRY_PAYLOAD_TYPE");
  });
  it("unknown key id → REGISTRY_UNTRUSTED_KEY", () => {
    expect(failure(verify(good, "revoke", [bob.publicKey]))).toBe("REGISTRY_UNTRUSTED_KEY");
  });
  it("keyid X with a signature by Y → REGISTRY_SIGNATURE_INVALID", () => {
    const bySomeoneElse = signStatement("revoke", revoke, [mallory.secretKey]);
    const forged: Envelope = { ...good, signatures: [{ keyid: alice.keyid, sig: bySomeoneElse.signatures[0]!.sig }] };
    expect(failure(verify(forged))).toBe("REGISTRY_SIGNATURE_INVALID");
  });
  it("63/65-byte or non-canonical base64 signature → REGISTRY_SIGNATURE_INVALID", () => {
    const sig = fromBase64(good.signatures[0]!.sig)!;
    for (const bad of [toBase64(sig.subarray(0, 63)), toBase64(Uint8Array.of(...sig, 0)), good.signatures[0]!.sig.replace(/=*$/, "")]) {
      expect(failure(verify({ ...good, signatures: [{ keyid: alice.keyid, sig: bad }] }))).toBe("REGISTRY_SIGNATURE_INVALID");
    }
  });
  it("one keyid counted twice does not meet threshold 2 → REGISTRY_THRESHOLD", () => {
    const twice: Envelope = { ...good, signatures: [good.signatures[0]!, good.signatures[0]!] };
    expect(failure(verify(twice, "revoke", [alice.publicKey, bob.publicKey], 2))).toBe("REGISTRY_THRESHOLD");
    expect(verify(twice, "revoke", [alice.publicKey], 1).ok).toBe(true);
  });
  it("a valid signature does not excuse another, invalid one", () => {
    const both = addSignature(good, bob.secretKey);
    const broken: Envelope = { ...both, signatures: [both.signatures[0]!, { keyid: bob.keyid, sig: both.signatures[0]!.sig }] };
    expect(failure(verify(broken))).toBe("REGISTRY_SIGNATURE_INVALID");
  });
  it.each([
    ["whitespace", '{"_type": "agentgov/revoke/v1"}'],
    ["reordered keys", '{"z":1,"_type":"agentgov/revoke/v1"}'],
    ["duplicate keys", '{"_type":"agentgov/revoke/v1","_type":"agentgov/revoke/v1"}'],
    ["-0", '{"_type":"agentgov/revoke/v1","n":-0}'],
    ["exponent", '{"_type":"agentgov/revoke/v1","n":1E3}'],
    ["lone surrogate", '{"_type":"agentgov/revoke/v1","s":"\\udc00"}'],
    ["null field", '{"_type":"agentgov/revoke/v1","reason":null}'],
  ])("signed but non-canonical payload (%s) → REGISTRY_NONCANONICAL", (_name, text) => {
    expect(failure(verify(rawEnvelope(payloadTypeOf("revoke"), utf8(text))))).toBe("REGISTRY_NONCANONICAL");
  });
  it("signed payload of invalid UTF-8 → REGISTRY_NONCANONICAL", () => {
    expect(failure(verify(rawEnvelope(payloadTypeOf("revoke"), Uint8Array.of(0x7b, 0xff, 0x7d))))).toBe("REGISTRY_NONCANONICAL");
  });
  it("payload _type not matching the payload type → REGISTRY_PAYLOAD_TYPE", () => {
    const text = '{"_type":"agentgov/manifest/v1"}';
    expect(failure(verify(rawEnvelope(payloadTypeOf("revoke"), utf8(text))))).toBe("REGISTRY_PAYLOAD_TYPE");
    expect(failure(verify(rawEnvelope(payloadTypeOf("revoke"), utf8("[1]"))))).toBe("REGISTRY_PAYLOAD_TYPE");
  });
  it("tampered payload → REGISTRY_SIGNATURE_INVALID", () => {
    const other = toBase64(utf8(JSON.stringify({ ...revoke, reason: "other" })));
    expect(failure(verify({ ...good, payload: other }))).toBe("REGISTRY_SIGNATURE_INVALID");
  });
});

describe("cross-type replay (§11.5)", () => {
  it("property: a signature over one kind never verifies as another", () => {
    fc.assert(fc.property(
      fc.constantFrom(...STATEMENT_KINDS), fc.constantFrom(...STATEMENT_KINDS),
      (signedKind, presentedKind) => {
        fc.pre(signedKind !== presentedKind);
        const envelope = signStatement(signedKind, { _type: statementTypeOf(signedKind), n: 1 }, [alice.secretKey]);
        // Presented as is: the payload type check refuses it.
        expect(failure(verify(envelope, presentedKind))).toBe("REGISTRY_PAYLOAD_TYPE");
        // Relabelled: the PAE binds the type, so the signature no longer verifies.
        const relabelled: Envelope = { ...envelope, payloadType: payloadTypeOf(presentedKind) };
        expect(failure(verify(relabelled, presentedKind))).toBe("REGISTRY_SIGNATURE_INVALID");
      },
    ));
  });
  it("property: sign/verify round-trips for every kind and payload", () => {
    fc.assert(fc.property(fc.constantFrom(...STATEMENT_KINDS), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.string()))), (kind, extra) => {
      const statement = { ...extra, _type: statementTypeOf(kind) };
      const result = verify(signStatement(kind, statement, [bob.secretKey]), kind, [bob.publicKey]);
      expect(result.ok).toBe(true);
    }), { numRuns: 50 });
  });
});

describe("addSignature", () => {
  it("co-signs the byte-identical payload", () => {
    const one = signStatement("revoke", revoke, [alice.secretKey]);
    const two = addSignature(one, bob.secretKey);
    expect(two.payload).toBe(one.payload);
    expect(two.signatures.map((s) => s.keyid)).toEqual([alice.keyid, keyIdOf(bob.publicKey)]);
  });
  it("refuses the same key twice and a corrupt payload", () => {
    const one = signStatement("revoke", revoke, [alice.secretKey]);
    expect(() => addSignature(one, alice.secretKey)).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
    expect(() => addSignature({ ...one, payload: "!" }, bob.secretKey)).toThrow(expect.objectContaining({ code: "REGISTRY_SIGNATURE_INVALID" }));
  });
});

describe("parseEnvelope", () => {
  const good = signStatement("revoke", revoke, [alice.secretKey]);
  const cases: [string, unknown][] = [
    ["not an object", []],
    ["missing payload", { payloadType: good.payloadType, signatures: good.signatures }],
    ["unknown field", { ...good, x: 1 }],
    ["empty payload type", { ...good, payloadType: "" }],
    ["non-string payload", { ...good, payload: 1 }],
    ["non-canonical payload base64", { ...good, payload: good.payload.replace(/=*$/, "") + " " }],
    ["empty signatures", { ...good, signatures: [] }],
    ["signatures not an array", { ...good, signatures: {} }],
    ["bad keyid", { ...good, signatures: [{ keyid: "ed25519:XYZ", sig: "" }] }],
    ["extra signature field", { ...good, signatures: [{ ...good.signatures[0], cert: "x" }] }],
    ["non-string sig", { ...good, signatures: [{ keyid: alice.keyid, sig: 1 }] }],
    ["too many signatures", { ...good, signatures: Array.from({ length: 33 }, () => good.signatures[0]) }],
  ];
  it.each(cases)("rejects %s with a path", (_name, value) => {
    try {
      parseEnvelope(JSON.stringify(value));
      expect.unreachable();
    } catch (error) {
      expect(isRegistryError(error) && error.code).toBe("REGISTRY_SIGNATURE_INVALID");
      expect(isRegistryError(error) && typeof error.path).toBe("string");
    }
  });
  it("rejects invalid JSON and deep nesting", () => {
    expect(() => parseEnvelope("{")).toThrow(expect.objectContaining({ code: "REGISTRY_SIGNATURE_INVALID" }));
    expect(() => parseEnvelope("[".repeat(50) + "]".repeat(50))).toThrow(expect.objectContaining({ code: "REGISTRY_SIGNATURE_INVALID" }));
  });
  it("rejects an over-long payload type or signature", () => {
    expect(() => parseEnvelope(JSON.stringify({ ...good, payloadType: "x".repeat(129) }))).toThrow(expect.objectContaining({ path: "payloadType" }));
    expect(() => parseEnvelope(JSON.stringify({ ...good, signatures: [{ keyid: alice.keyid, sig: "A".repeat(132) }] }))).toThrow(
      expect.objectContaining({ path: "signatures[0].sig" }),
    );
  });
  it("property: verifyEnvelope never throws on arbitrary input", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
      const result = verify(text);
      expect(result.ok).toBe(false);
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      expect(verifyEnvelope(bytes, { kind: "revoke", trustedKeys: [alice.publicKey], threshold: 1 }).ok).toBe(false);
    }));
  });
  it("accepts a well-formed envelope", () => {
    expect(parseEnvelope(JSON.stringify(good))).toEqual(good);
  });
});
