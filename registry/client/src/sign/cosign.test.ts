import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateKeyPair, signStatement, type Envelope } from "@agentgov/registry-protocol";
import { copyFixture, tempDir } from "../testing/fixtures/fixture.js";
import { pack } from "../pack/pack.js";
import { verify } from "../verify/verify.js";
import { sign } from "./sign.js";
import { cosign } from "./cosign.js";

const first = generateKeyPair();
const second = generateKeyPair();
let tgz: string;

beforeAll(async () => {
  const packed = await pack(await copyFixture(), { outDir: await tempDir(), createdAt: "2026-11-21T05:00:00Z" });
  tgz = packed.tarballPath;
});

async function freshSigned(): Promise<{ tgz: string; envelope: string }> {
  const dir = await tempDir();
  const copy = join(dir, "p.tgz");
  await writeFile(copy, await readFile(tgz));
  await writeFile(join(dir, "p.manifest.json"), await readFile(tgz.replace(/\.tgz$/, ".manifest.json")));
  const signed = await sign(copy, [first.secretKey]);
  return { tgz: copy, envelope: signed.envelopePath };
}

describe("cosign (--threshold-cosign)", () => {
  it("adds a second signature over the identical payload, which meets a threshold of 2", async () => {
    const p = await freshSigned();
    const both = { trustedKeys: [first.publicKey, second.publicKey], threshold: 2 };
    await expect(verify(p.tgz, p.envelope, both)).resolves.toMatchObject({ ok: false, error: { code: "REGISTRY_THRESHOLD" } });
    const before = JSON.parse(await readFile(p.envelope, "utf8")) as Envelope;
    const result = await cosign(p.tgz, [second.secretKey]);
    expect(result.keyids).toEqual([first.keyid, second.keyid]);
    const after = JSON.parse(await readFile(p.envelope, "utf8")) as Envelope;
    expect(after.payload).toBe(before.payload);
    expect(after.signatures[0]).toEqual(before.signatures[0]);
    await expect(verify(p.tgz, p.envelope, both)).resolves.toMatchObject({ ok: true, keyids: [first.keyid, second.keyid] });
  });

  it("refuses a key that already signed, another tarball, and a non-manifest envelope", async () => {
    const p = await freshSigned();
    await expect(cosign(p.tgz, [first.secretKey])).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
    const bytes = await readFile(p.tgz);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 1;
    const other = join(await tempDir(), "other.tgz");
    await writeFile(other, bytes);
    await expect(cosign(other, [second.secretKey], { envelopePath: p.envelope })).rejects.toMatchObject({ code: "REGISTRY_DIGEST_MISMATCH" });
    const revoke = signStatement("revoke", { _type: "agentgov/revoke/v1" }, [first.secretKey]);
    await writeFile(p.envelope, JSON.stringify(revoke));
    await expect(cosign(p.tgz, [second.secretKey])).rejects.toMatchObject({ code: "REGISTRY_PAYLOAD_TYPE" });
    await expect(cosign(p.tgz, [])).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
    await expect(cosign(p.tgz, [second.secretKey], { envelopePath: join(await tempDir(), "none.json") })).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
  });
});
