import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { fromBase64, generateKeyPair, keyIdOf, toBase64 } from "@agentgov/registry-protocol";
import { tempDir } from "../testing/fixtures/fixture.js";
import { keygen } from "./keygen.js";
import { minisignKeyId, minisignPublicKey, parseMinisignPublicKey } from "./minisign.js";

/** The public key printed in minisign's own README (key id E7620F1842B4E81F). */
const MINISIGN_README_KEY = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";

describe("minisign public keys", () => {
  it("parses minisign's own published key: Ed, 8-byte little-endian key id, 32-byte key", () => {
    const parsed = parseMinisignPublicKey(`untrusted comment: minisign public key E7620F1842B4E81F\n${MINISIGN_README_KEY}\n`);
    expect(Buffer.from(parsed.minisignKeyId).reverse().toString("hex").toUpperCase()).toBe("E7620F1842B4E81F");
    expect(parsed.publicKey).toHaveLength(32);
    expect(parsed.keyid).toBe(keyIdOf(parsed.publicKey));
  });

  it("exports the minisign layout and round-trips; the key id is the start of the agentgov key id", () => {
    const { publicKey, keyid } = generateKeyPair();
    const text = minisignPublicKey(publicKey);
    const [comment, body, rest] = text.split("\n");
    expect(rest).toBe("");
    const id = minisignKeyId(publicKey);
    expect(Buffer.from(id).toString("hex")).toBe(keyid.slice("ed25519:".length, "ed25519:".length + 16));
    expect(comment).toBe(`untrusted comment: minisign public key ${Buffer.from(id).reverse().toString("hex").toUpperCase()}`);
    const raw = fromBase64(body ?? "");
    expect(raw?.length).toBe(42);
    expect(Buffer.from(raw ?? []).subarray(0, 2).toString("latin1")).toBe("Ed");
    expect(Buffer.from(raw ?? []).subarray(10)).toEqual(Buffer.from(publicKey));
    expect(parseMinisignPublicKey(text)).toMatchObject({ publicKey: Uint8Array.from(publicKey), keyid });
  });

  it("rejects other algorithms, wrong lengths and weak keys", () => {
    const { publicKey } = generateKeyPair();
    const good = fromBase64(minisignPublicKey(publicKey).split("\n")[1] ?? "") ?? new Uint8Array();
    const hashed = Uint8Array.from(good); hashed[1] = 0x44; // "ED": minisign's prehashed signature algorithm, not a key
    expect(() => parseMinisignPublicKey(toBase64(hashed))).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
    expect(() => parseMinisignPublicKey(toBase64(good.subarray(0, 41)))).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
    expect(() => parseMinisignPublicKey("untrusted comment: x\nnot base64!\n")).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
    const weak = Uint8Array.from(good); weak.fill(0, 10); weak[10] = 1;
    expect(() => parseMinisignPublicKey(toBase64(weak))).toThrow(expect.objectContaining({ code: "REGISTRY_WEAK_KEY" }));
    const identity = new Uint8Array(32); identity[0] = 1;
    expect(() => minisignPublicKey(identity)).toThrow(expect.objectContaining({ code: "REGISTRY_WEAK_KEY" }));
  });

  it("keygen export: minisign writes keys/<name>.minisign.pub and the --out export in minisign format", async () => {
    const home = await tempDir();
    const out = await tempDir();
    const result = await keygen({ passphrase: "pw", home, outDir: out, export: "minisign" });
    expect(result.minisign?.path).toMatch(/keys\/default\.minisign\.pub$/);
    expect(await readFile(result.minisign?.path ?? "", "utf8")).toBe(result.minisign?.text);
    expect(result.exportPath).toMatch(/\.minisign\.pub$/);
    expect(parseMinisignPublicKey(await readFile(result.exportPath ?? "", "utf8")).keyid).toBe(result.keyid);
    const plain = await keygen({ passphrase: "pw", home: await tempDir(), outDir: out });
    expect(plain.minisign).toBeUndefined();
    expect(plain.exportPath).toMatch(/\.pub\.json$/);
  });
});
