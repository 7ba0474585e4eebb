import { describe, expect, it } from "vitest";
import { checkIssuedAt, validateKeyBinding, validateRevoke, validateRotate } from "./statements.js";
import { generateKeyPair } from "./ed25519.js";
import { toBase64 } from "./encoding.js";
import { isRegistryError } from "./errors.js";

const k1 = generateKeyPair();
const k2 = generateKeyPair();
const SMALL_ORDER = toBase64(Uint8Array.of(1, ...new Uint8Array(31)));
const base = { registry: "registry.example.com/log", publisher: "acme", issuedAt: "2026-11-21T05:00:00Z" };

function failure(fn: () => unknown): [string, string | undefined] | undefined {
  try {
    fn();
  } catch (error) {
    if (isRegistryError(error)) return [error.code, error.path];
    throw error;
  }
  return undefined;
}

describe("validateKeyBinding", () => {
  const binding = { _type: "agentgov/key-binding/v1", ...base, publicKey: toBase64(k1.publicKey) };
  it("accepts a binding", () => {
    expect(validateKeyBinding(binding)).toEqual(binding);
  });
  it.each([
    ["weak key", { publicKey: SMALL_ORDER }, ["REGISTRY_WEAK_KEY", "publicKey"]],
    ["short key", { publicKey: toBase64(new Uint8Array(31)) }, ["REGISTRY_WEAK_KEY", "publicKey"]],
    ["non-canonical base64", { publicKey: toBase64(k1.publicKey).replace("=", "") }, ["REGISTRY_REQUEST_INVALID", "publicKey"]],
    ["wrong _type", { _type: "agentgov/rotate/v1" }, ["REGISTRY_REQUEST_INVALID", "_type"]],
    ["bad registry", { registry: "a b" }, ["REGISTRY_REQUEST_INVALID", "registry"]],
    ["bad publisher", { publisher: "A" }, ["REGISTRY_REQUEST_INVALID", "publisher"]],
    ["bad issuedAt", { issuedAt: "2026-11-21" }, ["REGISTRY_REQUEST_INVALID", "issuedAt"]],
    ["extra field", { keyid: k1.keyid }, ["REGISTRY_REQUEST_INVALID", "keyid"]],
  ])("rejects %s", (_name, patch, expected) => {
    expect(failure(() => validateKeyBinding({ ...binding, ...patch }))).toEqual(expected);
  });
});

describe("validateRotate", () => {
  const rotate = {
    _type: "agentgov/rotate/v1", ...base,
    add: [{ keyid: k2.keyid, publicKey: toBase64(k2.publicKey) }], remove: [k1.keyid], threshold: 1,
  };
  it("accepts a rotation, with or without threshold", () => {
    expect(validateRotate(rotate)).toEqual(rotate);
    const { threshold: _, ...noThreshold } = rotate;
    expect(validateRotate(noThreshold)).toEqual(noThreshold);
    expect(validateRotate({ ...rotate, add: [], remove: [] })).toEqual({ ...rotate, add: [], remove: [] });
  });
  it.each([
    ["keyid not matching the key", { add: [{ keyid: k1.keyid, publicKey: toBase64(k2.publicKey) }] }, ["REGISTRY_REQUEST_INVALID", "add[0].keyid"]],
    ["weak added key", { add: [{ keyid: k2.keyid, publicKey: SMALL_ORDER }] }, ["REGISTRY_WEAK_KEY", "add[0].publicKey"]],
    ["duplicate added key", { add: [rotate.add[0], rotate.add[0]] }, ["REGISTRY_REQUEST_INVALID", "add[1].keyid"]],
    ["added and removed", { remove: [k2.keyid] }, ["REGISTRY_REQUEST_INVALID", "remove[0]"]],
    ["bad removed key id", { remove: ["x"] }, ["REGISTRY_REQUEST_INVALID", "remove[0]"]],
    ["threshold 0", { threshold: 0 }, ["REGISTRY_REQUEST_INVALID", "threshold"]],
    ["threshold 17", { threshold: 17 }, ["REGISTRY_REQUEST_INVALID", "threshold"]],
    ["nothing to change", { add: [], remove: [], threshold: undefined }, ["REGISTRY_REQUEST_INVALID", ""]],
    ["add not an array", { add: {} }, ["REGISTRY_REQUEST_INVALID", "add"]],
  ])("rejects %s", (_name, patch, expected) => {
    const value = JSON.parse(JSON.stringify({ ...rotate, ...patch })) as unknown;
    expect(failure(() => validateRotate(value))).toEqual(expected);
  });
});

describe("validateRevoke", () => {
  const revoke = { _type: "agentgov/revoke/v1", ...base, keyid: k1.keyid, reason: "laptop stolen", compromisedSince: 880 };
  it("accepts a revocation, with or without compromisedSince", () => {
    expect(validateRevoke(revoke)).toEqual(revoke);
    const { compromisedSince: _, ...rest } = revoke;
    expect(validateRevoke(rest)).toEqual(rest);
  });
  it.each([
    ["negative compromisedSince", { compromisedSince: -1 }, "compromisedSince"],
    ["float compromisedSince", { compromisedSince: 1.5 }, "compromisedSince"],
    ["bad keyid", { keyid: "ed25519:" }, "keyid"],
    ["long reason", { reason: "x".repeat(257) }, "reason"],
    ["empty reason", { reason: "" }, "reason"],
  ])("rejects %s", (_name, patch, path) => {
    expect(failure(() => validateRevoke({ ...revoke, ...patch }))).toEqual(["REGISTRY_REQUEST_INVALID", path]);
  });
});

describe("checkIssuedAt", () => {
  const now = Date.parse("2026-11-21T05:00:00Z") / 1000;
  it("accepts ±10 minutes", () => {
    expect(failure(() => { checkIssuedAt("2026-11-21T05:10:00Z", now); })).toBeUndefined();
    expect(failure(() => { checkIssuedAt("2026-11-21T04:50:00Z", now); })).toBeUndefined();
  });
  it("rejects beyond the skew and malformed times", () => {
    expect(failure(() => { checkIssuedAt("2026-11-21T05:10:01Z", now); })).toEqual(["REGISTRY_STALE", "issuedAt"]);
    expect(failure(() => { checkIssuedAt("2026-11-21T04:49:59Z", now); })).toEqual(["REGISTRY_STALE", "issuedAt"]);
    expect(failure(() => { checkIssuedAt("now", now); })).toEqual(["REGISTRY_REQUEST_INVALID", "issuedAt"]);
  });
});
