import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateKeyPair, keyIdOf, publicKeyOf, toBase64 } from "@agentgov/registry-protocol";
import { tempDir } from "../testing/fixtures/fixture.js";
import { agentgovHome } from "../util/home.js";
import { keygen, keyPaths } from "./keygen.js";
import { decryptSecretKey, encryptSecretKey, parseSecretKeyFile } from "./secret-key-file.js";
import { loadSigningKey, parseSigningKeyEnv, SIGNING_KEY_PREFIX } from "./signing-key.js";
import { parsePublicKeyFile, publicKeyFile } from "./public-key-file.js";

describe("secret key file", () => {
  it("round-trips and refuses a wrong passphrase or a tampered file with REGISTRY_AUTH", async () => {
    const { secretKey, keyid } = generateKeyPair();
    const file = await encryptSecretKey(secretKey, "correct horse");
    expect(file.kdf).toMatchObject({ name: "scrypt", N: 131072, r: 8, p: 1 });
    expect(file.keyid).toBe(keyid);
    expect(JSON.stringify(file)).not.toContain(toBase64(secretKey));
    const opened = await decryptSecretKey(JSON.parse(JSON.stringify(file)), "correct horse");
    expect(opened.secretKey).toEqual(secretKey);
    await expect(decryptSecretKey(file, "wrong")).rejects.toMatchObject({ code: "REGISTRY_AUTH" });
    const other = generateKeyPair();
    await expect(decryptSecretKey({ ...file, keyid: other.keyid }, "correct horse")).rejects.toMatchObject({ code: "REGISTRY_AUTH" });
  });

  it("parses strictly: extra fields and weaker scrypt parameters are refused", () => {
    const base = { _type: "agentgov/secret-key/v1", keyid: generateKeyPair().keyid, publicKey: "", kdf: { name: "scrypt", N: 131072, r: 8, p: 1, salt: "" }, cipher: { name: "aes-256-gcm", nonce: "" }, ciphertext: "" };
    expect(() => parseSecretKeyFile(base)).not.toThrow();
    expect(() => parseSecretKeyFile({ ...base, extra: 1 })).toThrow(expect.objectContaining({ code: "REGISTRY_STORE_CORRUPT" }));
    expect(() => parseSecretKeyFile({ ...base, kdf: { ...base.kdf, N: 1024 } })).toThrow(expect.objectContaining({ code: "REGISTRY_STORE_CORRUPT" }));
  });
});

describe("keygen", () => {
  it("writes the encrypted secret 0600 in a 0700 folder, atomically, never over an existing key", async () => {
    const home = join(await tempDir(), "home");
    const out = await tempDir();
    const result = await keygen({ home, passphrase: "pw", outDir: out });
    expect(result.path).toBe(keyPaths(home).secret);
    expect((await stat(result.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, "keys"))).mode & 0o777).toBe(0o700);
    expect((await readdir(join(home, "keys"))).sort()).toEqual(["default.key.json", "default.pub.json"]);
    const pub = parsePublicKeyFile(JSON.parse(await readFile(join(out, `${result.keyid.slice(8)}.pub.json`), "utf8")));
    expect(pub.keyid).toBe(result.keyid);
    await expect(keygen({ home, passphrase: "pw" })).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
    const key = await loadSigningKey({ home, passphrase: "pw", env: {} });
    expect(key).toMatchObject({ keyid: result.keyid, source: "default" });
  });
});

describe("signing key resolution", () => {
  it("parses AGENTGOV_SIGNING_KEY and never echoes a bad value", () => {
    const seed = new Uint8Array(32).fill(9);
    const key = parseSigningKeyEnv(`${SIGNING_KEY_PREFIX}${toBase64(seed)}`);
    expect(key.keyid).toBe(keyIdOf(publicKeyOf(seed)));
    const secretish = "agentgov-ed25519-sk:c2VjcmV0";
    expect(() => parseSigningKeyEnv(secretish)).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
    try {
      parseSigningKeyEnv(secretish);
    } catch (error) {
      expect(String(error)).not.toContain("c2VjcmV0");
    }
  });

  it("precedence: --key, then the variable, then the default key", async () => {
    const home = join(await tempDir(), "home");
    const def = await keygen({ home, passphrase: "pw" });
    const other = await keygen({ home, passphrase: "pw2", name: "ci" });
    const seed = new Uint8Array(32).fill(3);
    const env = { AGENTGOV_SIGNING_KEY: `${SIGNING_KEY_PREFIX}${toBase64(seed)}`, AGENTGOV_HOME: home };
    expect(await loadSigningKey({ keyPath: other.path, passphrase: "pw2", env })).toMatchObject({ keyid: other.keyid, source: "file" });
    expect(await loadSigningKey({ env })).toMatchObject({ keyid: keyIdOf(publicKeyOf(seed)), source: "env" });
    expect(await loadSigningKey({ env: { AGENTGOV_HOME: home }, passphrase: "pw" })).toMatchObject({ keyid: def.keyid, source: "default" });
    await expect(loadSigningKey({ env: { AGENTGOV_HOME: home } })).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
  });

  it("refuses a corrupt key file", async () => {
    const path = join(await tempDir(), "k.json");
    await writeFile(path, "{nope");
    await expect(loadSigningKey({ keyPath: path, passphrase: "x", env: {} })).rejects.toMatchObject({ code: "REGISTRY_STORE_CORRUPT" });
  });
});

describe("public key file", () => {
  it("rejects a small-order key and a mismatched key id", () => {
    const small = Uint8Array.from([1, ...new Array<number>(31).fill(0)]);
    expect(() => parsePublicKeyFile({ keyid: keyIdOf(small), publicKey: toBase64(small) })).toThrow(expect.objectContaining({ code: "REGISTRY_WEAK_KEY" }));
    const good = publicKeyFile(generateKeyPair().publicKey);
    expect(() => parsePublicKeyFile({ ...good, keyid: generateKeyPair().keyid })).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }));
  });
});

describe("agentgovHome", () => {
  it("uses AGENTGOV_HOME, else ~/.agentgov", () => {
    expect(agentgovHome({ AGENTGOV_HOME: "/tmp/x" })).toBe("/tmp/x");
    expect(agentgovHome({})).toMatch(/\.agentgov$/);
  });
});
