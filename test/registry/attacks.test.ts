/**
 * REGISTRY.md §11 attack suite, classes that need no server: 1–6, 11–17, 19 and 22. Hostile
 * archives are raw tar header bytes; every rejection runs through `expectRejected`, which
 * proves nothing was written outside staging and no staging folder is left.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, lstat, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createGzip, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  canonicalJson, capabilitiesSha256, fromBase64, generateKeyPair, pae, signEd25519, signStatement, toBase64,
  type Capabilities, type Envelope,
} from "@agentgov/registry-protocol";
import {
  benignFiles, baseCapabilities, entriesOf, expectRejected, header, hostilePlugin, manifestFor, rawTar, removeSandbox,
  sandbox, testKey, writeArtifact, type PluginFile, type RawEntry, type Sandbox,
} from "./fixture.js";
import { api, type InstallLocalOptions } from "./install-api.js";
import { acceptPublisher, addTrustedKey, defaultTrustStore, loadTrustStore, saveTrustStore, setPolicy } from "@agentgov/registry-client";

let box: Sandbox;
beforeEach(async () => { box = await sandbox(); });
afterEach(async () => { await removeSandbox(box); });

const capsDigest = (patch: Partial<Capabilities> = {}): string =>
  capabilitiesSha256({ ...(baseCapabilities() as unknown as Capabilities), ...patch });

/** Option overrides; `undefined` removes a default (e.g. `yesCapabilities`). */
type Extra = { [K in keyof InstallLocalOptions]?: InstallLocalOptions[K] | undefined };

function opts(extra: Extra = {}): InstallLocalOptions {
  const merged: Record<string, unknown> = { trustedKeys: [testKey.publicKey], home: box.home, projectDir: box.project, yesCapabilities: capsDigest(), ...extra };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) Reflect.deleteProperty(merged, key);
  return merged as unknown as InstallLocalOptions;
}

const install = (p: { tgz: string; env: string }, extra: Extra = {}) => () => api.installLocal(p.tgz, p.env, opts(extra));

async function benign(patch: Record<string, unknown> = {}, files: PluginFile[] = benignFiles()) {
  return hostilePlugin(box, entriesOf(files), files, patch);
}

/** Signs arbitrary payload bytes as a manifest envelope (bypassing canonicalisation). */
function signRaw(payload: Buffer, payloadType = "application/vnd.agentgov.manifest.v1+json", key = testKey.secretKey): Envelope {
  return { payloadType, payload: toBase64(payload), signatures: [{ keyid: testKey.keyid, sig: toBase64(signEd25519(pae(payloadType, payload), key)) }] };
}

describe("baseline", () => {
  it("installs a benign plugin and loads its grant", async () => {
    const p = await benign();
    const result = await api.installLocal(p.tgz, p.env, opts());
    expect(result.created).toBe(true);
    const grant = await api.loadInstalledPlugin("@acme/demo", opts());
    expect(grant.plugin).toBe("@acme/demo");
    expect(grant.capabilitiesSha256).toBe(capsDigest());
    expect(grant.keyids).toEqual([testKey.keyid]);
    const lock = JSON.parse(await readFile(join(box.project, "agentgov-lock.json"), "utf8")) as { plugins: Record<string, { version: string }> };
    expect(lock.plugins["@acme/demo"]?.version).toBe("1.0.0");
    expect((await readdir(join(box.home, "plugins"))).sort()).toEqual(["@acme+demo@1.0.0"]);
  });
});

describe("1 tampered tarball", () => {
  it.each([
    ["flipped byte", (b: Buffer) => { const c = Buffer.from(b); c[20] = (c[20] ?? 0) ^ 1; return c; }],
    ["longer than signed", (b: Buffer) => Buffer.concat([b, Buffer.alloc(1)])],
    ["truncated", (b: Buffer) => b.subarray(0, b.length - 1)],
  ])("%s → REGISTRY_DIGEST_MISMATCH", async (_name, mutate) => {
    const p = await benign();
    await writeFile(p.tgz, mutate(await readFile(p.tgz)));
    await expectRejected(box, install(p), "REGISTRY_DIGEST_MISMATCH");
  });
});

describe("2 swapped manifest/envelope", () => {
  it("A@1's envelope with A@2's tarball", async () => {
    const a1 = await benign();
    const env1 = await readFile(a1.env, "utf8");
    const files = [...benignFiles(), { path: "package/extra.js", data: Buffer.from("2") }];
    const a2 = await benign({ version: "2.0.0" }, files);
    await writeFile(a2.env, env1);
    await expectRejected(box, install(a2), "REGISTRY_DIGEST_MISMATCH");
  });
  it("envelope name/version ≠ request", async () => {
    const p = await benign();
    await expectRejected(box, install(p, { expect: { name: "@acme/demo", version: "2.0.0" } }), "REGISTRY_MANIFEST_INVALID");
    await expectRejected(box, install(p, { expect: { name: "@acme/other", version: "1.0.0" } }), "REGISTRY_MANIFEST_INVALID");
  });
  it("integrity ≠ sha512", async () => {
    const files = benignFiles();
    const tgz = gzipSync(rawTar(entriesOf(files)));
    const m = manifestFor(tgz, files);
    const art = m.artifact as Record<string, unknown>;
    art.integrity = `sha512-${toBase64(createHash("sha512").update("other").digest())}`;
    const p = await writeArtifact(box, tgz, signStatement("manifest", m, [testKey.secretKey]));
    await expectRejected(box, install(p), ["REGISTRY_MANIFEST_INVALID", "REGISTRY_DIGEST_MISMATCH"]);
  });
});

describe("3 wrong key", () => {
  it("unknown key", async () => {
    const p = await benign();
    await expectRejected(box, install(p, { trustedKeys: [generateKeyPair().publicKey] }), "REGISTRY_UNTRUSTED_KEY");
  });
  it("keyid X with a signature by Y", async () => {
    const p = await benign();
    const env = JSON.parse(await readFile(p.env, "utf8")) as Envelope;
    const other = generateKeyPair();
    const payload = fromBase64(env.payload) ?? new Uint8Array();
    const sig = toBase64(signEd25519(pae(env.payloadType, payload), other.secretKey));
    await writeFile(p.env, JSON.stringify({ ...env, signatures: [{ keyid: testKey.keyid, sig }] }));
    await expectRejected(box, install(p), "REGISTRY_SIGNATURE_INVALID");
  });
  it("one keyid counted twice under threshold 2", async () => {
    const p = await benign();
    const env = JSON.parse(await readFile(p.env, "utf8")) as Envelope;
    await writeFile(p.env, JSON.stringify({ ...env, signatures: [...env.signatures, ...env.signatures] }));
    await expectRejected(box, install(p, { threshold: 2 }), ["REGISTRY_THRESHOLD", "REGISTRY_SIGNATURE_INVALID"]);
  });
  it("TOFU pin changed without rotation → REGISTRY_KEY_CHANGED until trust accept", async () => {
    const keyB = generateKeyPair();
    let store = addTrustedKey(defaultTrustStore(), testKey.publicKey, "acme").store;
    store = addTrustedKey(store, keyB.publicKey, "acme").store;
    await saveTrustStore(setPolicy(store, "@acme/*", { mode: "tofu" }), box.home);
    const trusted = (p: { tgz: string; env: string }) => () => api.installTrusted(p.tgz, p.env, { home: box.home, projectDir: box.project, yesCapabilities: capsDigest() });

    const a = await benign();
    const first = await trusted(a)();
    expect(first.trust).toMatchObject({ mode: "tofu", firstUse: true });
    expect((await loadTrustStore(box.home)).tofu.acme?.keyids).toEqual([testKey.keyid]);

    const filesB = [...benignFiles(), { path: "package/b.js", data: Buffer.from("b") }];
    const tgzB = gzipSync(rawTar(entriesOf(filesB)));
    const b = await writeArtifact(box, tgzB, signStatement("manifest", manifestFor(tgzB, filesB, { version: "1.1.0" }), [keyB.secretKey]), "demo-b");
    await expectRejected(box, trusted(b), "REGISTRY_KEY_CHANGED");
    expect((await api.loadInstalledPlugin("@acme/demo", opts())).version).toBe("1.0.0");

    await saveTrustStore(acceptPublisher(await loadTrustStore(box.home), "acme"), box.home);
    const accepted = await trusted(b)();
    expect(accepted.trust.firstUse).toBe(true);
    expect(accepted.grant).toMatchObject({ version: "1.1.0", keyids: [keyB.keyid] });
    expect((await loadTrustStore(box.home)).tofu.acme?.keyids).toEqual([keyB.keyid]);
    // A's key is now the stranger.
    await expectRejected(box, trusted(a), "REGISTRY_KEY_CHANGED");
  });
  it("threshold 2 with one trusted signer", async () => {
    const p = await benign();
    await expectRejected(box, install(p, { threshold: 2, trustedKeys: [testKey.publicKey, generateKeyPair().publicKey] }), "REGISTRY_THRESHOLD");
  });
});

describe("4 weak keys and malleable signatures", () => {
  it("small-order identity key with R = identity, S = 0", async () => {
    const p = await benign();
    const identity = new Uint8Array(32); identity[0] = 1;
    const env = JSON.parse(await readFile(p.env, "utf8")) as Envelope;
    const sig = new Uint8Array(64); sig[0] = 1;
    const keyid = `ed25519:${createHash("sha256").update(identity).digest("hex")}`;
    await writeFile(p.env, JSON.stringify({ ...env, signatures: [{ keyid, sig: toBase64(sig) }] }));
    await expectRejected(box, install(p, { trustedKeys: [identity] }), ["REGISTRY_WEAK_KEY", "REGISTRY_SIGNATURE_INVALID", "REGISTRY_UNTRUSTED_KEY"]);
  });
  it.each([
    ["S + L", (s: Uint8Array) => {
      const L = 2n ** 252n + 27742317777372353535851937790883648493n;
      let S = 0n; for (let i = 63; i >= 32; i--) S = (S << 8n) | BigInt(s[i] ?? 0);
      S += L; const out = Uint8Array.from(s);
      for (let i = 32; i < 64; i++) { out[i] = Number(S & 0xffn); S >>= 8n; }
      return toBase64(out);
    }],
    ["63-byte signature", (s: Uint8Array) => toBase64(s.subarray(0, 63))],
    ["65-byte signature", (s: Uint8Array) => toBase64(Uint8Array.from([...s, 0]))],
    ["non-canonical base64", (s: Uint8Array) => { const b = toBase64(s); return `${b.slice(0, -2)}${b.at(-2) === "A" ? "B" : "A"}=`; }],
  ])("%s → REGISTRY_SIGNATURE_INVALID", async (_n, mutate) => {
    const p = await benign();
    const env = JSON.parse(await readFile(p.env, "utf8")) as Envelope;
    const sig = fromBase64(env.signatures[0]?.sig ?? "") ?? new Uint8Array();
    await writeFile(p.env, JSON.stringify({ ...env, signatures: [{ keyid: testKey.keyid, sig: mutate(sig) }] }));
    await expectRejected(box, install(p), "REGISTRY_SIGNATURE_INVALID");
  });
});

describe("5 cross-type replay", () => {
  it.each(["index", "revoke", "rotate", "key-binding", "root"])("%s signature presented as a manifest → REGISTRY_PAYLOAD_TYPE", async (kind) => {
    const p = await benign();
    const env = JSON.parse(await readFile(p.env, "utf8")) as Envelope;
    const payload = Buffer.from(fromBase64(env.payload) ?? new Uint8Array());
    await writeFile(p.env, JSON.stringify(signRaw(payload, `application/vnd.agentgov.${kind}.v1+json`)));
    await expectRejected(box, install(p), "REGISTRY_PAYLOAD_TYPE");
  });
});

describe("6 non-canonical payload", () => {
  const variants: [string, (json: string) => string][] = [
    ["whitespace", (j) => j.replace(`"name":`, `"name": `)],
    ["duplicate keys", (j) => j.replace(`{"_type"`, `{"_type":"agentgov/manifest/v1","_type"`)],
    ["reordered keys", (j) => { const o = JSON.parse(j) as Record<string, unknown>; return JSON.stringify(Object.fromEntries(Object.entries(o).reverse())); }],
    ["-0", (j) => j.replace(`"exec":[]`, `"exec":[],"x":-0`)],
    ["exponent", (j) => j.replace(/"size":(\d+)/, `"size":$1e0`)],
    ["lone surrogate", (j) => j.replace(`"description":"demo"`, `"description":"\\ud800"`)],
    ["null field", (j) => j.replace(`"description":"demo"`, `"description":null`)],
  ];
  it.each(variants)("%s → REGISTRY_NONCANONICAL", async (_n, mutate) => {
    const p = await benign();
    const json = canonicalJson(p.manifest);
    await writeFile(p.env, JSON.stringify(signRaw(Buffer.from(mutate(json), "utf8"))));
    await expectRejected(box, install(p), "REGISTRY_NONCANONICAL");
  });
  it("float → REGISTRY_MANIFEST_INVALID", async () => {
    const p = await benign();
    const json = canonicalJson(p.manifest).replace(/"size":(\d+)/, `"size":$1.5`);
    await writeFile(p.env, JSON.stringify(signRaw(Buffer.from(json, "utf8"))));
    await expectRejected(box, install(p), "REGISTRY_MANIFEST_INVALID");
  });
});

const files = benignFiles();
const good = entriesOf(files);

describe("11 tar-slip", () => {
  const cases: [string, RawEntry[]][] = [
    ["../x", [{ path: "../x", data: Buffer.from("x") }]],
    ["a/../../x", [{ path: "package/../../x", data: Buffer.from("x") }]],
    ["/abs", [{ path: "/tmp/abs", data: Buffer.from("x") }]],
    ["C:\\x", [{ path: "C:\\x", data: Buffer.from("x") }]],
    ["C:../x", [{ path: "C:../x", data: Buffer.from("x") }]],
    ["backslashes", [{ path: "package\\..\\..\\x", data: Buffer.from("x") }]],
    ["PAX path overriding a benign name", [{ path: "package/ok.js", pax: { path: "../evil.js" }, data: Buffer.from("x") }]],
    ["PAX path with NUL", [{ path: "package/ok.js", pax: { path: "package/a\0/../../x" }, data: Buffer.from("x") }]],
    ["PAX type confusion", [{ path: "package/ok.js", pax: { linkpath: "/etc/passwd", size: "5" }, data: Buffer.from("x") }]],
    ["negative size", [{ path: "package/neg.js", sizeField: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) }]],
    ["huge size", [{ path: "package/huge.js", sizeField: Buffer.from([0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) }]],
    ["over-long path", [{ path: "package/x", pax: { path: `package/${"a".repeat(1100)}` }, data: Buffer.from("x") }]],
  ];
  it.each(cases)("%s → REGISTRY_ARCHIVE_UNSAFE", async (_n, bad) => {
    const p = await hostilePlugin(box, [...good, ...bad], files);
    await expectRejected(box, install(p), "REGISTRY_ARCHIVE_UNSAFE");
  });
});

describe("12 link escapes and collisions", () => {
  const cases: [string, RawEntry[], PluginFile[]?][] = [
    ["symlink", [{ path: "package/link", flag: "2", linkname: "/etc/passwd" }]],
    ["hardlink absolute", [{ path: "package/hl", flag: "1", linkname: "/etc/passwd" }]],
    ["hardlink deep-relative", [{ path: "package/hl", flag: "1", linkname: "../../../../etc/passwd" }]],
    ["dir-then-symlink", [{ path: "package/d/", flag: "5" }, { path: "package/d", flag: "2", linkname: "/tmp" }, { path: "package/d/x", data: Buffer.from("x") }]],
    ["symlink chain plus hardlink", [{ path: "package/l1", flag: "2", linkname: "l2" }, { path: "package/l2", flag: "2", linkname: "../.." }, { path: "package/h", flag: "1", linkname: "package/l1/etc/passwd" }]],
    ["Dir/dir", [{ path: "package/Dir/", flag: "5" }, { path: "package/dir/", flag: "5" }]],
    ["NFC/NFD café", [{ path: "package/caf\u00e9", data: Buffer.from("1") }, { path: "package/cafe\u0301", data: Buffer.from("2") }]],
    ["ligature", [{ path: "package/\ufb01le", data: Buffer.from("1") }, { path: "package/file", data: Buffer.from("2") }]],
    ["ß/ss", [{ path: "package/stra\u00dfe", data: Buffer.from("1") }, { path: "package/strasse", data: Buffer.from("2") }]],
  ];
  it.each(cases)("%s → REGISTRY_ARCHIVE_UNSAFE", async (_n, bad) => {
    const p = await hostilePlugin(box, [...good, ...bad], files);
    await expectRejected(box, install(p), "REGISTRY_ARCHIVE_UNSAFE");
  });
});

describe("13 special entries and modes", () => {
  const cases: [string, RawEntry[]][] = [
    ["FIFO", [{ path: "package/fifo", flag: "6" }]],
    ["char device", [{ path: "package/chr", flag: "3" }]],
    ["block device", [{ path: "package/blk", flag: "4" }]],
    ["global PAX header", [{ path: "pax_global_header", flag: "g", data: Buffer.from("30 path=../../global/override\n") }]],
    ["GNU long name", [{ path: "././@LongLink", flag: "L", data: Buffer.from("../../x\0") }]],
    ["setuid", [{ path: "package/suid", mode: 0o4755, data: Buffer.from("x") }]],
    ["setgid", [{ path: "package/sgid", mode: 0o2755, data: Buffer.from("x") }]],
    ["sticky folder", [{ path: "package/sticky/", flag: "5", mode: 0o1777 }]],
  ];
  it.each(cases)("%s → REGISTRY_ARCHIVE_UNSAFE", async (_n, bad) => {
    const p = await hostilePlugin(box, [...good, ...bad], files);
    await expectRejected(box, install(p), "REGISTRY_ARCHIVE_UNSAFE");
  });
  it("world-writable and 0600 modes end up at most 0755 (also as root)", async () => {
    const entries = entriesOf(files).map((e) => (e.path === "package/index.js" ? { ...e, mode: 0o666 } : e.path === "package/bin/run.sh" ? { ...e, mode: 0o777 } : e.flag === "5" ? { ...e, mode: 0o777 } : e));
    entries.push({ path: "package/private.txt", mode: 0o600, data: Buffer.from("p") });
    const all = [...files, { path: "package/private.txt", data: Buffer.from("p") }];
    const p = await hostilePlugin(box, entries, all);
    const { dir } = await api.installLocal(p.tgz, p.env, opts());
    const walk = async (d: string): Promise<void> => {
      for (const name of await readdir(d)) {
        const st = await lstat(join(d, name));
        expect(st.mode & 0o7777 & ~0o755).toBe(0);
        if (st.isDirectory()) await walk(join(d, name));
      }
    };
    await walk(dir);
    expect((await lstat(join(dir, "package/private.txt"))).mode & 0o777).toBe(0o444);
    expect((await lstat(join(dir, "package/bin/run.sh"))).mode & 0o777).toBe(0o555);
  });
});

describe("14 duplicates and tree mismatch", () => {
  it("the same path twice → REGISTRY_ARCHIVE_UNSAFE", async () => {
    const p = await hostilePlugin(box, [...good, { path: "package/index.js", data: Buffer.from("evil();\n") }], files);
    await expectRejected(box, install(p), "REGISTRY_ARCHIVE_UNSAFE");
  });
  const mismatches: [string, PluginFile[]][] = [
    ["extra file", [...files, { path: "package/extra.js", data: Buffer.from("x") }]],
    ["missing file", files.slice(0, 1)],
    ["resized file", files.map((f) => (f.path === "package/index.js" ? { ...f, data: Buffer.concat([f.data, Buffer.from("\n")]) } : f))],
    ["altered file", files.map((f) => (f.path === "package/index.js" ? { ...f, data: Buffer.from("export const x = 2;\n") } : f))],
    ["exec bit", files.map((f) => ({ ...f, exec: f.exec !== true }))],
  ];
  it.each(mismatches)("%s vs the signed files → REGISTRY_TREE_MISMATCH", async (_n, tarFiles) => {
    const p = await hostilePlugin(box, entriesOf(tarFiles), files);
    await expectRejected(box, install(p), "REGISTRY_TREE_MISMATCH");
  });
});

async function bombFile(path: string, entries: (gz: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  const gz = createGzip({ level: 9 });
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => { out.on("finish", resolve); out.on("error", reject); });
  gz.pipe(out);
  await entries(gz);
  gz.end();
  await done;
}

async function writeZeros(gz: NodeJS.WritableStream, bytes: number): Promise<void> {
  const mib = Buffer.alloc(1024 * 1024);
  for (let left = bytes; left > 0; left -= mib.length) {
    if (!gz.write(left >= mib.length ? mib : mib.subarray(0, left))) await new Promise((r) => gz.once("drain", r));
  }
}

describe("15 oversized archives", () => {
  it.each([
    ["honest header", 1024 ** 3],
    ["lying header (10 bytes)", 10],
  ])("1 GiB of zeros, %s → REGISTRY_ARCHIVE_LIMIT, fast", async (_n, claimed) => {
    const tgzPath = join(box.src, "bomb.tgz");
    await bombFile(tgzPath, async (gz) => {
      for (const e of good) gz.write(rawTar([e], Buffer.alloc(0)));
      gz.write(header("package/zeros.bin", "0", claimed));
      await writeZeros(gz, 1024 ** 3);
    });
    const tgz = await readFile(tgzPath);
    const manifest = manifestFor(tgz, [...files, { path: "package/zeros.bin", data: Buffer.alloc(10) }]);
    const p = await writeArtifact(box, tgz, signStatement("manifest", manifest, [testKey.secretKey]));
    const t0 = performance.now();
    await expectRejected(box, install(p), "REGISTRY_ARCHIVE_LIMIT");
    const scanT0 = performance.now();
    await expect(api.scanArchive(p.tgz, manifest as never)).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_LIMIT" });
    console.log(`P3 bomb (${_n}, ${String(tgz.length)} B gzip): install rejected in ${(scanT0 - t0).toFixed(1)} ms, scan alone ${(performance.now() - scanT0).toFixed(1)} ms`);
  }, 120_000);
  it("200 × 1 MiB files: signed → REGISTRY_MANIFEST_INVALID; unsigned extras → REGISTRY_ARCHIVE_LIMIT", async () => {
    const many: PluginFile[] = [...files];
    for (let i = 0; i < 200; i++) many.push({ path: `package/big/f${String(i).padStart(3, "0")}`, data: Buffer.alloc(1024 * 1024, i) });
    const signed = await hostilePlugin(box, entriesOf(many), many);
    await expectRejected(box, install(signed), "REGISTRY_MANIFEST_INVALID");
    const unsigned = await hostilePlugin(box, entriesOf(many), files);
    await expectRejected(box, install(unsigned), "REGISTRY_ARCHIVE_LIMIT");
  }, 120_000);
  it("> 5000 entries → REGISTRY_ARCHIVE_LIMIT", async () => {
    const dirs: RawEntry[] = [];
    for (let i = 0; i <= 5000; i++) dirs.push({ path: `package/d${String(i)}/`, flag: "5" });
    const p = await hostilePlugin(box, [...good, ...dirs], files);
    await expectRejected(box, install(p), "REGISTRY_ARCHIVE_LIMIT");
  });
  it("depth > 32 → REGISTRY_ARCHIVE_UNSAFE", async () => {
    const deep = `package/${Array.from({ length: 32 }, () => "d").join("/")}/x`;
    const p = await hostilePlugin(box, [...good, { path: "package/x", pax: { path: deep }, data: Buffer.from("x") }], files);
    await expectRejected(box, install(p), ["REGISTRY_ARCHIVE_UNSAFE", "REGISTRY_ARCHIVE_LIMIT"]);
  });
  it("data after the end marker → REGISTRY_ARCHIVE_UNSAFE", async () => {
    const trailer = Buffer.concat([Buffer.alloc(1024), header("package/late.js", "0", 0)]);
    const p = await hostilePlugin(box, good, files, {}, trailer);
    await expectRejected(box, install(p), "REGISTRY_ARCHIVE_UNSAFE");
  });
  it("a second gzip member → REGISTRY_ARCHIVE_UNSAFE", async () => {
    const tgz = Buffer.concat([gzipSync(rawTar(good)), gzipSync(Buffer.alloc(1024))]);
    const p = await writeArtifact(box, tgz, signStatement("manifest", manifestFor(tgz, files), [testKey.secretKey]));
    await expectRejected(box, install(p), "REGISTRY_ARCHIVE_UNSAFE");
  });
  it.each([
    ["not gzip", () => rawTar(good)],
    ["gzip of non-tar", () => gzipSync(Buffer.from("hello, this is not a tar archive\n".repeat(100)))],
  ])("%s → REGISTRY_ARCHIVE_UNSAFE", async (_n, make) => {
    const tgz = make();
    const p = await writeArtifact(box, tgz, signStatement("manifest", manifestFor(tgz, files), [testKey.secretKey]));
    await expectRejected(box, install(p), "REGISTRY_ARCHIVE_UNSAFE");
  });
});

describe("16 malformed manifest", () => {
  it.each([
    ["unknown field", { extra: 1 }],
    ["wrong type", { description: 5 }],
    ["unsafe integer", { dependencies: {}, artifact: "x" }],
    ["huge string", { description: "x".repeat(5000) }],
    ["non-NFC", { description: "cafe\u0301" }],
    ["confusable-free name rules", { name: "@acme/Demo" }],
    ["scope ≠ publisher", { publisher: "other" }],
  ])("%s → REGISTRY_MANIFEST_INVALID", async (_n, patch) => {
    const p = await benign(patch);
    await expectRejected(box, install(p), "REGISTRY_MANIFEST_INVALID");
  });
  it("unsafe integer size → REGISTRY_MANIFEST_INVALID", async () => {
    const p = await benign();
    const json = canonicalJson(p.manifest).replace(/"size":(\d+)/, `"size":9007199254740993`);
    await writeFile(p.env, JSON.stringify(signRaw(Buffer.from(json, "utf8"))));
    await expectRejected(box, install(p), ["REGISTRY_MANIFEST_INVALID", "REGISTRY_NONCANONICAL"]);
  });
});

describe("17 semver abuse", () => {
  it.each(["v1.0.0", "=1.0.0", "1.0.0+b", "01.0.0", `1.0.0-${"a".repeat(260)}`, "9007199254740992.0.0"])("%s → REGISTRY_MANIFEST_INVALID", async (version) => {
    const p = await benign({ version });
    await expectRejected(box, install(p), "REGISTRY_MANIFEST_INVALID");
  });
});

describe("19 install atomicity", () => {
  it("a rejection after k good entries keeps the previous version and lockfile intact", async () => {
    const v1 = await benign();
    await api.installLocal(v1.tgz, v1.env, opts());
    const moreFiles = [...files, { path: "package/a1.js", data: Buffer.from("1") }, { path: "package/a2.js", data: Buffer.from("2") }];
    const v2 = await hostilePlugin(box, [...entriesOf(moreFiles), { path: "package/zz", flag: "2", linkname: "/etc" }], moreFiles, { version: "1.1.0" });
    await expectRejected(box, install(v2), "REGISTRY_ARCHIVE_UNSAFE");
    expect((await api.loadInstalledPlugin("@acme/demo", opts())).version).toBe("1.0.0");
  });
  it("an injected throw after extraction (consent callback) leaves nothing behind", async () => {
    const p = await benign();
    const { RegistryError } = await import("@agentgov/registry-protocol");
    await expectRejected(box, install(p, {
      yesCapabilities: undefined,
      confirm: () => Promise.reject(new RegistryError("REGISTRY_CONSENT_REQUIRED", "injected")),
    }), "REGISTRY_CONSENT_REQUIRED");
  });
  it("ENOSPC injected mid-extraction → REGISTRY_STORE_CORRUPT; previous version and lockfile intact", async () => {
    const v1 = await benign();
    await api.installLocal(v1.tgz, v1.env, opts());
    const lockBefore = await readFile(join(box.project, "agentgov-lock.json"), "utf8");
    const moreFiles = [...files, { path: "package/zbig.bin", data: Buffer.alloc(256 * 1024, 7) }, { path: "package/z.js", data: Buffer.from("z") }];
    const v2 = await benign({ version: "1.1.0" }, moreFiles);
    const written: string[] = [];
    let bytes = 0;
    const diskFull = (path: string, chunk: Uint8Array): void => {
      bytes += chunk.length;
      // The first files go through; the disk fills up part-way into the big one.
      if (path === "package/zbig.bin" && bytes > 64 * 1024) {
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
      }
      if (!written.includes(path)) written.push(path);
    };
    await expectRejected(box, install(v2, { beforeWrite: diskFull }), "REGISTRY_STORE_CORRUPT");
    expect(written).toEqual(["package/bin/run.sh", "package/index.js", "package/z.js", "package/zbig.bin"]);
    expect(await readFile(join(box.project, "agentgov-lock.json"), "utf8")).toBe(lockBefore);
    expect((await api.loadInstalledPlugin("@acme/demo", opts())).version).toBe("1.0.0");
    // The same install goes through once there is room again.
    expect((await api.installLocal(v2.tgz, v2.env, opts())).grant.version).toBe("1.1.0");
  });
  it("a hook that fails a write with a non-disk error is still a rejection, never a partial install", async () => {
    const p = await benign();
    await expectRejected(box, install(p, { beforeWrite: () => { throw new Error("boom"); } }), "REGISTRY_ARCHIVE_UNSAFE");
  });
  it("a killed run's staging folder and lock are swept on the next run", async () => {
    const plugins = join(box.home, "plugins");
    await mkdir(join(plugins, ".staging-killed", "tree", "package"), { recursive: true });
    await writeFile(join(plugins, ".staging-killed", "tree", "package", "half.js"), "half");
    await writeFile(join(plugins, ".lock"), "2147483646");
    const p = await benign();
    await api.installLocal(p.tgz, p.env, opts());
    expect((await readdir(plugins)).sort()).toEqual(["@acme+demo@1.0.0"]);
  });
  it("two concurrent installs are serialized", async () => {
    const p = await benign();
    const p2 = { tgz: join(box.src, "p.tgz"), env: join(box.src, "p.json") };
    await writeFile(p2.tgz, await readFile(p.tgz));
    await writeFile(p2.env, await readFile(p.env));
    const files2 = [...files, { path: "package/two.js", data: Buffer.from("2") }];
    const q = await hostilePlugin(box, entriesOf(files2), files2, { version: "1.1.0" });
    const results = await Promise.all([api.installLocal(p2.tgz, p2.env, opts()), api.installLocal(q.tgz, q.env, opts())]);
    expect(results.every((r) => r.created)).toBe(true);
    expect((await readdir(join(box.home, "plugins"))).sort()).toEqual(["@acme+demo@1.0.0", "@acme+demo@1.1.0"]);
    const again = await api.installLocal(p2.tgz, p2.env, opts());
    expect(again.created).toBe(false);
  });
});

describe("22 capability escalation", () => {
  it("v1.1 adds exec or a network host → consent required", async () => {
    const v1 = await benign();
    await api.installLocal(v1.tgz, v1.env, opts());
    for (const [i, caps] of [{ exec: ["git"] }, { network: { hosts: ["api.example.com", "evil.example.net"] } }].entries()) {
      const version = `1.${String(i + 1)}.0`;
      const v = await benign({ version, capabilities: { ...baseCapabilities(), ...caps } });
      await expectRejected(box, install(v, { yesCapabilities: undefined }), "REGISTRY_CONSENT_REQUIRED");
      await expectRejected(box, install(v, { yesCapabilities: capsDigest() }), "REGISTRY_CONSENT_REQUIRED");
      await expectRejected(box, install(v, { yesCapabilities: undefined, confirm: () => Promise.resolve(false) }), "REGISTRY_CONSENT_REQUIRED");
      const digest = capsDigest(caps);
      const { grant } = await api.installLocal(v.tgz, v.env, opts({ yesCapabilities: digest }));
      expect(grant.capabilitiesSha256).toBe(digest);
    }
  });
  it("an upgrade with unchanged capabilities needs no consent", async () => {
    const v1 = await benign();
    await api.installLocal(v1.tgz, v1.env, opts());
    const v2 = await benign({ version: "1.0.1" });
    await api.installLocal(v2.tgz, v2.env, opts({ yesCapabilities: undefined }));
  });
});

describe("installed tree tampering", () => {
  it("loadInstalledPlugin re-hashes the tree", async () => {
    const p = await benign();
    const { dir } = await api.installLocal(p.tgz, p.env, opts());
    const file = join(dir, "package/index.js");
    await chmod(dir, 0o755); await chmod(join(dir, "package"), 0o755); await chmod(file, 0o644);
    await writeFile(file, "evil();\n");
    await expect(api.loadInstalledPlugin("@acme/demo", opts())).rejects.toMatchObject({ code: "REGISTRY_TREE_MISMATCH" });
  });
});
