import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Parser, type ReadEntry } from "tar";
import { buildTarball } from "./tarball.js";

async function names(tarball: Buffer): Promise<string[]> {
  const out: string[] = [];
  const parser = new Parser({ strict: true, onReadEntry: (e: ReadEntry) => { out.push(e.path); e.resume(); } });
  await new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
    parser.end(tarball);
  });
  return out;
}

const segment = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,6}[a-z0-9]$/);

describe("buildTarball", () => {
  it("is deterministic and byte-sorted for any file set, whatever the input order", async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/")), { minLength: 1, maxLength: 6 })
        .filter((paths) => !paths.some((a) => paths.some((b) => b.startsWith(`${a}/`)))),
      fc.boolean(),
      async (paths, exec) => {
        const files = paths.map((path) => ({ path, data: Buffer.from(path), exec }));
        const a = await buildTarball(files);
        const b = await buildTarball([...files].reverse());
        expect(Buffer.compare(a, b)).toBe(0);
        const listed = await names(a);
        expect(listed).toEqual([...listed].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
        expect(listed.filter((n) => !n.endsWith("/")).sort()).toEqual(paths.map((p) => `package/${p}`).sort());
      },
    ), { numRuns: 25 });
  });

  it("keeps long paths intact (PAX), still deterministic", async () => {
    const path = `${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(60)}/${"g".repeat(90)}.js`;
    const a = await buildTarball([{ path, data: Buffer.from("x"), exec: false }]);
    expect(await names(a)).toContain(`package/${path}`);
    expect(Buffer.compare(a, await buildTarball([{ path, data: Buffer.from("x"), exec: false }]))).toBe(0);
  });
});
