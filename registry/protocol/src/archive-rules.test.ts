import { describe, expect, it } from "vitest";
import { ArchiveBudget, ArchivePathSet, checkArchivePath, decompressedByteCap, isAllowedEntryType, normalizeMode } from "./archive-rules.js";
import { DEFAULT_LIMITS } from "./limits.js";


describe("entry types", () => {
  it("allows files and folders only", () => {
    expect(isAllowedEntryType("File")).toBe(true);
    expect(isAllowedEntryType("Directory")).toBe(true);
    for (const t of ["SymbolicLink", "Link", "CharacterDevice", "BlockDevice", "FIFO", "GlobalExtendedHeader", "ExtendedHeader", "OldFile", "ContiguousFile", undefined]) {
      expect(isAllowedEntryType(t)).toBe(false);
    }
  });
});

describe("checkArchivePath", () => {
  it.each([
    ["package/index.js", "File", "package/index.js"],
    ["package/lib/a@b+c=d,e~f-g_h.js", "File", "package/lib/a@b+c=d,e~f-g_h.js"],
    ["package/", "Directory", "package"],
    ["package/lib/", "Directory", "package/lib"],
    ["package/.hidden", "File", "package/.hidden"],
  ] as const)("accepts %s (%s)", (path, type, normal) => {
    expect(checkArchivePath(path, type)).toBe(normal);
  });
  it.each([
    ["../x"], ["package/../../x"], ["package/a/../../x"], ["/abs"], ["/package/x"], ["C:\\x"], ["C:../x"], ["package\\x"],
    ["package/a\\b"], ["package/./x"], ["package//x"], ["package/x/"], ["package/x."], ["package/CON"], ["package/con.txt"],
    ["package/lpt1"], ["package/Com9.js"], ["package/café"], ["package/a b"], ["package/a:b"], ["package/a\u0000b"],
    ["other/x"], ["package"], ["packagex/y"], [""], [`package/${"a".repeat(1020)}`], [`package/${"a/".repeat(31)}x`],
  ])("rejects %j as a file", (path) => {
    expect(() => checkArchivePath(path, "File")).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_UNSAFE" }));
  });
  it("accepts depth 32 and 1024 bytes exactly", () => {
    expect(() => checkArchivePath(`package/${"a/".repeat(30)}x`, "File")).not.toThrow();
    expect(() => checkArchivePath(`package/${"a".repeat(1016)}`, "File")).not.toThrow();
  });
});

describe("normalizeMode", () => {
  it("normalizes permissions", () => {
    expect(normalizeMode(0o644, "File")).toBe(0o644);
    expect(normalizeMode(0o600, "File")).toBe(0o644);
    expect(normalizeMode(0o666, "File")).toBe(0o644);
    expect(normalizeMode(0o777, "File")).toBe(0o755);
    expect(normalizeMode(0o744, "File")).toBe(0o755);
    expect(normalizeMode(0o001, "File")).toBe(0o755);
    expect(normalizeMode(0o700, "Directory")).toBe(0o755);
  });
  it.each([0o4755, 0o2755, 0o1755, 0o7777, -1, 0o10000, 1.5])("rejects mode %o", (mode) => {
    expect(() => normalizeMode(mode, "File")).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_UNSAFE" }));
  });
});

describe("ArchivePathSet", () => {
  it("records paths and counts", () => {
    const set = new ArchivePathSet();
    set.add("package/", "Directory");
    set.add("package/a.js", "File");
    set.add("package/lib/", "Directory");
    set.add("package/lib/b.js", "File");
    expect([set.size, set.files]).toEqual([4, 2]);
  });
  it.each([
    ["an exact duplicate", ["package/a.js", "package/a.js"]],
    ["a case-insensitive duplicate", ["package/Dir/a", "package/dir/a"]],
    ["Dir vs dir folders", ["package/Dir/", "package/dir/"]],
    ["a folder then a file of the same name", ["package/a/", "package/a"]],
    ["a path under a file", ["package/a", "package/a/b"]],
  ])("rejects %s", (_name, paths) => {
    const set = new ArchivePathSet();
    expect(() => {
      for (const p of paths) set.add(p, p.endsWith("/") ? "Directory" : "File");
    }).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_UNSAFE" }));
  });
  it("enforces the entry limit", () => {
    const set = new ArchivePathSet();
    const limits = { ...DEFAULT_LIMITS, entries: 2 };
    set.add("package/a", "File", limits);
    set.add("package/b", "File", limits);
    expect(() => set.add("package/c", "File", limits)).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_LIMIT" }));
  });
});

describe("ArchiveBudget", () => {
  it("accounts sizes within limits", () => {
    const budget = new ArchiveBudget({ ...DEFAULT_LIMITS, fileBytes: 10, unpackedBytes: 15 });
    budget.addFile(10);
    budget.addFile(5);
    expect(budget.total).toBe(15);
    expect(() => { budget.addFile(1); }).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_LIMIT" }));
  });
  it("rejects a single oversized file and invalid sizes", () => {
    const budget = new ArchiveBudget({ ...DEFAULT_LIMITS, fileBytes: 10 });
    expect(() => { budget.addFile(11, "package/x"); }).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_LIMIT" }));
    expect(() => { budget.addFile(-1); }).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_UNSAFE" }));
    expect(() => { budget.addFile(2 ** 60); }).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_UNSAFE" }));
  });
  it("uses the §9 defaults", () => {
    const budget = new ArchiveBudget();
    expect(() => { budget.addFile(50 * 1024 * 1024 + 1); }).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_LIMIT" }));
  });
});

describe("decompressedByteCap", () => {
  it("is signed sizes + 3 KiB per header + 1 KiB, capped at 100 MiB", () => {
    expect(decompressedByteCap(1000, 2)).toBe(1000 + 6144 + 1024);
    expect(decompressedByteCap(200 * 1024 * 1024, 1)).toBe(100 * 1024 * 1024);
  });
});
