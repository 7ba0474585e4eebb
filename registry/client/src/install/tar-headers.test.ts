import { Header } from "tar";
import { describe, expect, it } from "vitest";
import { TarHeaderWalker } from "./tar-headers.js";

function block(path: string, type: "File" | "Directory" | "SymbolicLink" | "ExtendedHeader" | "GlobalExtendedHeader", size = 0): Buffer {
  const buf = Buffer.alloc(512);
  new Header({ path, type, size, mode: 0o644, mtime: new Date(0) }).encode(buf);
  return buf;
}

function data(bytes: string): Buffer {
  const b = Buffer.from(bytes);
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

function pax(body: string): Buffer[] {
  return [block("PaxHeader", "ExtendedHeader", Buffer.byteLength(body)), data(body)];
}

const END = Buffer.alloc(1024);

function walk(...parts: Buffer[]): TarHeaderWalker {
  const walker = new TarHeaderWalker();
  const all = Buffer.concat(parts);
  for (let i = 0; i < all.length; i += 100) walker.feed(all.subarray(i, i + 100));
  walker.finish();
  return walker;
}

describe("TarHeaderWalker", () => {
  it("counts headers of files, folders and local PAX headers", () => {
    expect(walk(block("package/", "Directory"), ...pax("17 path=package/\n"), block("package/a", "File", 3), data("abc"), END).headers).toBe(3);
  });
  it.each([
    ["a symlink", [block("package/l", "SymbolicLink"), END]],
    ["a global PAX header", [block("g", "GlobalExtendedHeader", 0), END]],
    ["data after the end marker", [END, block("package/a", "File")]],
    ["a PAX linkpath", [...pax("20 linkpath=/etc/pw\n"), block("package/a", "File"), END]],
    ["a PAX size", [...pax("11 size=99\n"), block("package/a", "File"), END]],
    ["a NUL in a PAX value", [...pax("12 path=a\0b\n"), block("package/a", "File"), END]],
    ["a malformed PAX record", [...pax("99 path=a\n"), block("package/a", "File"), END]],
    ["a truncated archive", [block("package/a", "File", 3), data("abc")]],
  ])("rejects %s", (_n, parts) => {
    expect(() => walk(...parts)).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_UNSAFE" }) as Error);
  });
  it("rejects base-256 size fields and oversized entries", () => {
    const b = block("package/a", "File");
    b[124] = 0xff;
    expect(() => walk(b, END)).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_UNSAFE" }) as Error);
    expect(() => walk(block("package/a", "File", 60 * 1024 * 1024))).toThrow(expect.objectContaining({ code: "REGISTRY_ARCHIVE_LIMIT" }) as Error);
  });
});
