import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/fixtures/fixture.js";
import { DIGEST_CHUNK_BYTES, hashFile } from "./tarball-digest.js";

describe("hashFile", () => {
  it("streams SHA-512 across 1 MiB chunk boundaries", async () => {
    const data = randomBytes(DIGEST_CHUNK_BYTES * 2 + 123);
    const path = join(await tempDir(), "blob");
    await writeFile(path, data);
    const result = await hashFile(path, data.length);
    expect(result.size).toBe(data.length);
    expect(Buffer.from(result.sha512).toString("hex")).toBe(createHash("sha512").update(data).digest("hex"));
  });

  it("refuses a file over the cap with REGISTRY_ARCHIVE_LIMIT", async () => {
    const path = join(await tempDir(), "blob");
    await writeFile(path, Buffer.alloc(11));
    await expect(hashFile(path, 10)).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_LIMIT" });
  });
});
