import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkCheckpointFreshness, formatCheckpointBody, noteKeyHash, openCheckpoint, signCheckpoint, type Checkpoint } from "./checkpoint.js";
import { generateKeyPair } from "./ed25519.js";
import { fromBase64, toBase64, toHex, utf8 } from "./encoding.js";
import { sha256 } from "./hash.js";
import { isRegistryError } from "./errors.js";

const log = generateKeyPair();
const other = generateKeyPair();
const ORIGIN = "registry.example.com/log";
const cp: Checkpoint = { origin: ORIGIN, size: 1202, rootHash: sha256(utf8("root")), timestamp: 1_795_000_000 };
const open = (note: string, publicKey = log.publicKey, origin = ORIGIN): Checkpoint => openCheckpoint(note, { origin, publicKey });

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRegistryError(error) ? error.code : String(error);
  }
  return undefined;
}

describe("format", () => {
  it("writes the C2SP body", () => {
    expect(formatCheckpointBody(cp)).toBe(`${ORIGIN}\n1202\n${toBase64(cp.rootHash)}\ntimestamp 1795000000\n`);
  });
  it("key hash is SHA-256(name ‖ LF ‖ 0x01 ‖ key)[:4]", () => {
    const expected = sha256(utf8(`${ORIGIN}\n`), Uint8Array.of(1), log.publicKey).subarray(0, 4);
    expect(toHex(noteKeyHash(ORIGIN, log.publicKey))).toBe(toHex(expected));
  });
  it("signs: body, blank line, em-dash signature line with key hash and signature", () => {
    const note = signCheckpoint(cp, log.secretKey);
    const [body, sigs] = note.split("\n\n") as [string, string];
    expect(`${body}\n`).toBe(formatCheckpointBody(cp));
    const match = /^\u2014 (\S+) (\S+)\n$/.exec(sigs);
    expect(match?.[1]).toBe(ORIGIN);
    const blob = fromBase64(match?.[2] ?? "")!;
    expect(blob.byteLength).toBe(68);
    expect(toHex(blob.subarray(0, 4))).toBe(toHex(noteKeyHash(ORIGIN, log.publicKey)));
  });
  it.each([
    ["origin with a space", { ...cp, origin: "a b" }],
    ["origin with '+'", { ...cp, origin: "a+b" }],
    ["empty origin", { ...cp, origin: "" }],
    ["negative size", { ...cp, size: -1 }],
    ["float size", { ...cp, size: 1.5 }],
    ["short root", { ...cp, rootHash: new Uint8Array(31) }],
    ["unsafe timestamp", { ...cp, timestamp: 2 ** 53 }],
  ])("refuses %s", (_name, bad) => {
    expect(code(() => formatCheckpointBody(bad))).toBe("REGISTRY_LOG_PROOF_INVALID");
  });
});

describe("openCheckpoint", () => {
  const note = signCheckpoint(cp, log.secretKey);

  it("round-trips", () => {
    expect(open(note)).toEqual(cp);
    expect(openCheckpoint(utf8(note), { origin: ORIGIN, publicKey: log.publicKey })).toEqual(cp);
  });
  it("ignores signatures by other keys, in any order", () => {
    const foreign = signCheckpoint(cp, other.secretKey).split("\n\n")[1]!;
    expect(open(`${note}${foreign}`)).toEqual(cp);
    expect(open(note.replace("\n\n", `\n\n${foreign}`))).toEqual(cp);
  });
  it.each([
    ["changed size", (n: string) => n.replace("\n1202\n", "\n1203\n")],
    ["changed root", (n: string) => n.replace(toBase64(cp.rootHash), toBase64(sha256(utf8("other"))))],
    ["changed timestamp", (n: string) => n.replace("timestamp 1795000000", "timestamp 1795000001")],
    ["changed key hash", (n: string) => {
      const [body, line] = n.split("\n\n") as [string, string];
      const blob = fromBase64(line.split(" ")[2]!.trim())!;
      blob[0] = (blob[0] ?? 0) ^ 1;
      return `${body}\n\n\u2014 ${ORIGIN} ${toBase64(blob)}\n`;
    }],
    ["no signature", (n: string) => `${n.split("\n\n")[0]!}\n\n`],
    ["no blank line", (n: string) => n.replace("\n\n", "\n")],
    ["missing trailing newline", (n: string) => n.slice(0, -1)],
    ["hyphen instead of em dash", (n: string) => n.replace("\u2014", "-")],
    ["extra body line", (n: string) => n.replace("timestamp", "extra line\ntimestamp")],
    ["missing extension", (n: string) => n.replace(/timestamp \d+\n/, "")],
    ["bad extension", (n: string) => n.replace("timestamp 1795000000", "time 1795000000")],
    ["leading zero size", (n: string) => n.replace("\n1202\n", "\n01202\n")],
    ["signed size", (n: string) => n.replace("\n1202\n", "\n+1202\n")],
    ["non-canonical root base64", (n: string) => n.replace(toBase64(cp.rootHash), toBase64(cp.rootHash).replace("=", ""))],
    ["short root", (n: string) => n.replace(toBase64(cp.rootHash), toBase64(cp.rootHash.subarray(1)))],
    ["carriage return", (n: string) => n.replace(/\n/g, "\r\n")],
    ["malformed signature line", (n: string) => `${n}\u2014 onlyname\n`],
    ["garbage signature base64", (n: string) => `${n}\u2014 x !!!\n`],
  ])("rejects %s", (_name, mutate) => {
    expect(code(() => open(mutate(note)))).toBe("REGISTRY_LOG_PROOF_INVALID");
  });
  it("property: any single-character change to a signed note is rejected", () => {
    fc.assert(fc.property(fc.nat({ max: note.length - 1 }), fc.string({ minLength: 1, maxLength: 1 }), (i, ch) => {
      fc.pre(note[i] !== ch);
      const changed = note.slice(0, i) + ch + note.slice(i + 1);
      // A change inside the signature line's key name or base64 may only turn it into a foreign line.
      expect(code(() => open(changed))).toBe("REGISTRY_LOG_PROOF_INVALID");
    }), { numRuns: 300 });
  });
  it("rejects a wrong key and a wrong origin", () => {
    expect(code(() => open(note, other.publicKey))).toBe("REGISTRY_LOG_PROOF_INVALID");
    expect(code(() => open(note, log.publicKey, "other.example/log"))).toBe("REGISTRY_LOG_PROOF_INVALID");
  });
  it("rejects a forged signature under the right key hash", () => {
    const forged = signCheckpoint({ ...cp, size: 1 }, log.secretKey).split("\n\n")[1]!;
    expect(code(() => open(`${note.split("\n\n")[0]!}\n\n${forged}`))).toBe("REGISTRY_LOG_PROOF_INVALID");
  });
  it("rejects oversized notes and invalid UTF-8", () => {
    expect(code(() => openCheckpoint(note, { origin: ORIGIN, publicKey: log.publicKey, maxBytes: 50 }))).toBe("REGISTRY_LOG_PROOF_INVALID");
    const bytes = Uint8Array.of(...utf8(note), 0xff);
    expect(code(() => openCheckpoint(bytes, { origin: ORIGIN, publicKey: log.publicKey }))).toBe("REGISTRY_LOG_PROOF_INVALID");
    expect(code(() => open(`${note}\ud800`))).toBe("REGISTRY_LOG_PROOF_INVALID");
  });
});

describe("checkCheckpointFreshness", () => {
  const now = cp.timestamp + 60;
  it("accepts a fresh checkpoint that grew", () => {
    expect(() => { checkCheckpointFreshness(cp, { now, previous: { ...cp, size: 1000 } }); }).not.toThrow();
    expect(() => { checkCheckpointFreshness(cp, { now, previous: cp }); }).not.toThrow();
  });
  it("rejects one older than 24 h or more than 5 min ahead (REGISTRY_STALE)", () => {
    expect(code(() => { checkCheckpointFreshness(cp, { now: cp.timestamp + 24 * 3600 + 1 }); })).toBe("REGISTRY_STALE");
    expect(code(() => { checkCheckpointFreshness(cp, { now: cp.timestamp - 301 }); })).toBe("REGISTRY_STALE");
    expect(code(() => { checkCheckpointFreshness(cp, { now: cp.timestamp + 24 * 3600 }); })).toBeUndefined();
    expect(code(() => { checkCheckpointFreshness(cp, { now: cp.timestamp - 300 }); })).toBeUndefined();
  });
  it("rejects a smaller tree (REGISTRY_ROLLBACK) and another root at the same size (REGISTRY_LOG_FORK)", () => {
    expect(code(() => { checkCheckpointFreshness(cp, { now, previous: { ...cp, size: 1203 } }); })).toBe("REGISTRY_ROLLBACK");
    expect(code(() => { checkCheckpointFreshness(cp, { now, previous: { ...cp, rootHash: sha256() } }); })).toBe("REGISTRY_LOG_FORK");
  });
});
