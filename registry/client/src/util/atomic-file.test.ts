import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/fixtures/fixture.js";
import { writeFileAtomic } from "./atomic-file.js";
import { readFileBounded } from "./read-bounded.js";

describe("writeFileAtomic", () => {
  it("replaces the file with the exact mode and leaves no temp file", async () => {
    const dir = await tempDir();
    const path = join(dir, "f.json");
    await writeFileAtomic(path, "one", { mode: 0o600 });
    await writeFileAtomic(path, "two", { mode: 0o640 });
    expect(await readFile(path, "utf8")).toBe("two");
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(["f.json"]);
  });

  it("cleans up when the target cannot be replaced", async () => {
    const dir = await tempDir();
    await expect(writeFileAtomic(dir, "x")).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("readFileBounded", () => {
  it("refuses files over the cap with the given code", async () => {
    const dir = await tempDir();
    const path = join(dir, "f");
    await writeFileAtomic(path, "12345");
    expect(Buffer.from(await readFileBounded(path, 5, "REGISTRY_REQUEST_INVALID")).toString()).toBe("12345");
    await expect(readFileBounded(path, 4, "REGISTRY_ARCHIVE_LIMIT")).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_LIMIT" });
    await expect(readFileBounded(dir, 4, "REGISTRY_ARCHIVE_LIMIT")).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_LIMIT" });
  });
});
