import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256, toHex } from "@agentgov/registry-protocol";
import { copyFixture, tempDir } from "../testing/fixtures/fixture.js";
import { pack } from "../pack/pack.js";
import { sign } from "./sign.js";

const CREATED_AT = "2026-11-21T05:00:00Z";
/** A fixed test seed, so the envelope is golden too (Ed25519 signatures are deterministic). */
const SEED = new Uint8Array(32).fill(7);
/** Golden SHA-256 of the envelope the fixture and {@link SEED} produce. */
const GOLDEN_ENVELOPE_SHA256 = "c38a19c1eeb900af269814d6dbcbdb8ff60c8b45665359a5368e7bb25ed1d740";

let tgz: string;
let envelopePath: string;
let other: { tgz: string; envelope: string };

async function packAndSign(mutate?: (dir: string) => Promise<void>): Promise<{ tgz: string; envelope: string }> {
  const dir = await copyFixture();
  if (mutate !== undefined) await mutate(dir);
  const packed = await pack(dir, { outDir: await tempDir(), createdAt: CREATED_AT });
  const signed = await sign(packed.tarballPath, [SEED]);
  return { tgz: packed.tarballPath, envelope: signed.envelopePath };
}

beforeAll(async () => {
  ({ tgz, envelope: envelopePath } = await packAndSign());
  other = await packAndSign(async (dir) => { await writeFile(join(dir, "lib/util.js"), "export const x = 1;\n"); });
});

describe("sign", () => {
  it("writes a golden envelope beside the tarball", async () => {
    expect(envelopePath).toBe(tgz.replace(/\.tgz$/, ".agentsig.json"));
    const bytes = await readFile(envelopePath);
    expect(toHex(sha256(bytes))).toBe(GOLDEN_ENVELOPE_SHA256);
    const again = await packAndSign();
    expect(Buffer.compare(await readFile(again.envelope), bytes)).toBe(0);
  });

  it("refuses to sign a tarball that is not the manifest's", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "x.tgz"), await readFile(other.tgz));
    await writeFile(join(dir, "x.manifest.json"), await readFile(tgz.replace(/\.tgz$/, ".manifest.json")));
    await expect(sign(join(dir, "x.tgz"), [SEED])).rejects.toMatchObject({ code: "REGISTRY_DIGEST_MISMATCH" });
  });
});

