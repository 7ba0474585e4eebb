/**
 * `PUT /:name` without the npm client (REGISTRY.md §6.3, §11 class 18 on the npm path): a
 * signed publish through the `.agentsig.json` attachment, the `reject` mode, racing unsigned
 * publishes of one version (one 201, the rest 403, one log entry, served bytes = packument
 * integrity), and malformed bodies. Rejections write nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarball } from "@agentgov/registry-client";
import { sha512, toBase64 } from "@agentgov/registry-protocol";
import {
  call, createPublisher, errorCode, packPlugin, snapshot, startRegistry, type SignedPlugin, type TestKey, type TestRegistry,
} from "../testing/harness.js";

async function npmTarball(name: string, version: string, salt = ""): Promise<Uint8Array> {
  return new Uint8Array(await buildTarball([
    { path: "package.json", data: Buffer.from(JSON.stringify({ name, version, description: salt })), exec: false },
    { path: "index.js", data: Buffer.from(`module.exports = ${JSON.stringify(salt)};\n`), exec: false },
  ]));
}

function putBody(name: string, version: string, tarball: Uint8Array, envelope?: object): Record<string, unknown> {
  const attachments: Record<string, unknown> = { [`${name}-${version}.tgz`]: { content_type: "application/octet-stream", data: toBase64(tarball), length: tarball.byteLength } };
  if (envelope !== undefined) attachments[`${name}-${version}.agentsig.json`] = { content_type: "application/json", data: toBase64(Buffer.from(JSON.stringify(envelope))) };
  return { _id: name, name, "dist-tags": { latest: version }, versions: { [version]: { name, version, dist: { integrity: "sha512-forged", shasum: "0" } } }, _attachments: attachments };
}

function npmPath(name: string): string {
  return `/${name.replace("/", "%2f")}`;
}

describe("npm PUT in unsigned mode", () => {
  let reg: TestRegistry;
  let acme: { key: TestKey; token: string };
  beforeAll(async () => {
    reg = await startRegistry();
    acme = await createPublisher(reg, "acme");
  });
  afterAll(async () => { await reg.close(); });

  it("a signed publish through the agentsig attachment is a normal signed version", async () => {
    const plugin: SignedPlugin = await packPlugin({ name: "@acme/signed", version: "1.0.0", publisher: "acme" }, [acme.key]);
    const res = await call(reg, "PUT", npmPath("@acme/signed"), putBody("@acme/signed", "1.0.0", plugin.tarball, plugin.envelope), acme.token);
    expect(res.status, res.text).toBe(201);
    const packument = (await call(reg, "GET", npmPath("@acme/signed"))).json() as { versions: Record<string, { dist: { integrity: string; agentgov: { status: string; envelope: unknown } } }> };
    const dist = packument.versions["1.0.0"]?.dist;
    expect(dist?.agentgov.status).toBe("active");
    expect(dist?.agentgov.envelope).toEqual(plugin.envelope);
    expect(dist?.integrity).toBe(`sha512-${toBase64(sha512(plugin.tarball))}`);
    expect(((await call(reg, "GET", "/v1/log/entries?start=1&end=2")).json() as { entries: { kind: string }[] }).entries[0]?.kind).toBe("publish");
  });

  it("a signed publish with a bad signature is rejected, writing nothing", async () => {
    const plugin = await packPlugin({ name: "@acme/signed", version: "1.0.1", publisher: "acme" }, [acme.key]);
    const other = await packPlugin({ name: "@acme/signed", version: "1.0.2", publisher: "acme" }, [acme.key]);
    const before = await snapshot(reg);
    const res = await call(reg, "PUT", npmPath("@acme/signed"), putBody("@acme/signed", "1.0.1", plugin.tarball, other.envelope), acme.token);
    expect(res.status).toBe(422);
    expect((res.json() as { code: string }).code).toBe("REGISTRY_MANIFEST_INVALID");
    expect(await snapshot(reg)).toEqual(before);
  });

  it("20 racing unsigned publishes of one version: one 201, nineteen 403, one entry, served bytes = integrity", async () => {
    const tarballs = await Promise.all(Array.from({ length: 20 }, (_, i) => npmTarball("race-npm", "1.0.0", `salt-${i}`)));
    const before = await snapshot(reg);
    const results = await Promise.all(tarballs.map((t) => call(reg, "PUT", "/race-npm", putBody("race-npm", "1.0.0", t), acme.token)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 403)).toHaveLength(19);
    const after = await snapshot(reg);
    expect(after.rows.log_leaves).toBe((before.rows.log_leaves ?? 0) + 1);
    expect(after.blobFiles).toHaveLength(before.blobFiles.length + 1);
    const packument = (await call(reg, "GET", "/race-npm")).json() as { versions: Record<string, { dist: { integrity: string } }> };
    const integrity = packument.versions["1.0.0"]?.dist.integrity ?? "";
    const served = await fetch(`${reg.url}/race-npm/-/race-npm-1.0.0.tgz`);
    expect(`sha512-${toBase64(sha512(new Uint8Array(await served.arrayBuffer())))}`).toBe(integrity);
  });

  it("malformed bodies and foreign names are refused, writing nothing", async () => {
    const tarball = await npmTarball("odd-npm", "1.0.0");
    const before = await snapshot(reg);
    const cases: [Record<string, unknown>, number][] = [
      [{ ...putBody("odd-npm", "1.0.0", tarball), name: "other" }, 400],
      [{ ...putBody("odd-npm", "1.0.0", tarball), extra: 1 }, 400],
      [{ ...putBody("odd-npm", "1.0.0", tarball), versions: { "1.0.0": {}, "1.0.1": {} } }, 405],
      [{ ...putBody("odd-npm", "1.0.0", tarball), _attachments: {} }, 400],
      [putBody("odd-npm", "1.0.0", await npmTarball("odd-npm", "9.9.9")), 422],
    ];
    for (const [body, status] of cases) {
      const res = await call(reg, "PUT", "/odd-npm", body, acme.token);
      expect(res.status, res.text).toBe(status);
    }
    expect((await call(reg, "PUT", npmPath("@other/x"), putBody("@other/x", "1.0.0", tarball), acme.token)).status).toBe(403);
    expect((await call(reg, "PUT", "/odd-npm", putBody("odd-npm", "1.0.0", tarball))).status).toBe(401);
    expect(await snapshot(reg)).toEqual(before);
  });

  it("blocked versions leave the packument and their tarball answers 410", async () => {
    const { formatRfc3339Seconds, signStatement } = await import("@agentgov/registry-protocol");
    const tarball = await npmTarball("blocked-npm", "1.0.0");
    expect((await call(reg, "PUT", "/blocked-npm", putBody("blocked-npm", "1.0.0", tarball), acme.token)).status).toBe(201);
    const block = signStatement("block", { _type: "agentgov/block/v1", registry: reg.origin, name: "blocked-npm", version: "1.0.0", reason: "malware", issuedAt: formatRfc3339Seconds(reg.clock.now()) }, [reg.adminSeed]);
    const blocked = await call(reg, "POST", "/v1/statements", block, reg.adminToken);
    expect(blocked.status, blocked.text).toBe(201);
    expect((await call(reg, "GET", "/blocked-npm")).status).toBe(404);
    expect((await call(reg, "GET", "/blocked-npm/-/blocked-npm-1.0.0.tgz")).status).toBe(410);
  });
});

describe("npm PUT in reject and off modes", () => {
  it("reject refuses unsigned publishes with REGISTRY_UNSIGNED; off with 405", async () => {
    for (const [mode, status] of [["reject", 422], ["off", 405]] as const) {
      const reg = await startRegistry({ npmPublish: mode });
      try {
        const acme = await createPublisher(reg, "acme");
        const before = await snapshot(reg);
        const res = await call(reg, "PUT", "/plain", putBody("plain", "1.0.0", await npmTarball("plain", "1.0.0")), acme.token);
        expect(res.status).toBe(status);
        expect((res.json() as { code: string }).code).toBe("REGISTRY_UNSIGNED");
        expect(await snapshot(reg)).toEqual(before);
      } finally {
        await reg.close();
      }
    }
  });

  it("npmPublish: false serves no npm routes", async () => {
    const reg = await startRegistry({ npmPublish: false });
    try {
      const res = await call(reg, "GET", "/-/ping");
      expect(res.status).toBe(404);
      expect(errorCode(res)).toBe("REGISTRY_VERSION_UNAVAILABLE");
    } finally {
      await reg.close();
    }
  });
});
