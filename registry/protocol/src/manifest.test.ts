import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { validateManifest } from "./manifest.js";
import { validManifest } from "./testing/fixtures/manifest.js";
import { isRegistryError } from "./errors.js";
import { DEFAULT_LIMITS } from "./limits.js";
import { sha512 } from "./hash.js";
import { toBase64, toHex, utf8 } from "./encoding.js";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-dynamic-delete -- fixtures are broken on purpose through untyped access */
type M = Record<string, any>;

function failure(value: unknown, limits = DEFAULT_LIMITS): { code: string; path: string | undefined } | undefined {
  try {
    validateManifest(value, limits);
  } catch (error) {
    if (isRegistryError(error)) return { code: error.code, path: error.path };
    throw error;
  }
  return undefined;
}

const file = (path: string): M => ({ path, size: 1, sha256: "0".repeat(64), exec: false });

describe("validateManifest", () => {
  it("accepts the §4.3 example and returns it typed", () => {
    const value = validManifest();
    expect(validateManifest(value)).toEqual(value);
  });
  it("accepts a minimal manifest without optional fields", () => {
    const value = validManifest();
    for (const key of ["dependencies", "engines", "description", "license"]) delete value[key];
    expect(validateManifest(value)).toEqual(value);
  });
  it("accepts an https repository, unscoped names and every entry kind", () => {
    const value: M = validManifest();
    value.repository = "https://github.com/acme/web-search";
    expect(validateManifest(value).repository).toBe(value.repository);
    for (const kind of ["mcp-server", "tool", "agent", "skill"]) {
      value.entry.kind = kind;
      expect(failure(value)).toBeUndefined();
    }
    value.name = "web-search";
    expect(failure(value)).toBeUndefined();
  });
  it.each([
    ["SPDX id", "Apache-2.0"], ["expression", "(MIT OR Apache-2.0) AND BSD-3-Clause"], ["WITH", "GPL-2.0-or-later WITH Classpath-exception-2.0"],
    ["LicenseRef", "LicenseRef-acme"], ["plus", "GPL-2.0+"],
  ])("accepts license %s", (_name, license) => {
    expect(failure({ ...validManifest(), license })).toBeUndefined();
  });

  const cases: [string, (m: M) => void, string, string?][] = [
    ["not an object", () => undefined, "", "array"],
    ["unknown top-level key", (m) => { m.scripts = {}; }, "scripts"],
    ["__proto__ key", (m) => { Object.defineProperty(m, "__proto__", { value: {}, enumerable: true }); }, "__proto__"],
    ["missing name", (m) => { delete m.name; }, "name"],
    ["null description", (m) => { m.description = null; }, "description"],
    ["wrong _type", (m) => { m._type = "agentgov/manifest/v2"; }, "_type"],
    ["uppercase name", (m) => { m.name = "@acme/Web"; }, "name"],
    ["name too long", (m) => { m.name = `@acme/${"a".repeat(210)}`; }, "name"],
    ["scope is not the publisher", (m) => { m.name = "@other/web-search"; }, "name"],
    ["bad publisher", (m) => { m.publisher = "Acme"; }, "publisher"],
    ["v-prefixed version", (m) => { m.version = "v1.4.2"; }, "version"],
    ["build metadata", (m) => { m.version = "1.4.2+b"; }, "version"],
    ["numeric version (YAML 1.10)", (m) => { m.version = 1.1; }, "version"],
    ["artifact filename", (m) => { m.artifact.filename = "@acme+web-search-1.4.2.tgz"; }, "artifact.filename"],
    ["artifact float size", (m) => { m.artifact.size = 1.5; }, "artifact.size"],
    ["artifact unsafe size", (m) => { m.artifact.size = 2 ** 53; }, "artifact.size"],
    ["artifact zero size", (m) => { m.artifact.size = 0; }, "artifact.size"],
    ["artifact over 20 MiB", (m) => { m.artifact.size = 20 * 1024 * 1024 + 1; }, "artifact.size"],
    ["uppercase sha512", (m) => { m.artifact.sha512 = (m.artifact.sha512 as string).toUpperCase(); }, "artifact.sha512"],
    ["integrity of another digest", (m) => { m.artifact.integrity = `sha512-${toBase64(sha512(utf8("other")))}`; }, "artifact.integrity"],
    ["integrity with another algorithm", (m) => { m.artifact.integrity = (m.artifact.integrity as string).replace("sha512-", "sha384-"); }, "artifact.integrity"],
    ["integrity non-canonical base64", (m) => { m.artifact.integrity = (m.artifact.integrity as string).replace(/=+$/, ""); }, "artifact.integrity"],
    ["artifact extra key", (m) => { m.artifact.url = "x"; }, "artifact.url"],
    ["files unsorted", (m) => { m.files.reverse(); }, "files[1].path"],
    ["files duplicate", (m) => { m.files[1] = { ...m.files[0] }; }, "files[1].path"],
    ["files case-insensitive duplicate", (m) => { m.files = [file("package/A.js"), file("package/a.js")]; m.entry.main = "package/a.js"; }, "files[1].path"],
    ["file path escaping package/", (m) => { m.files[0].path = "package/../x"; }, "files[0].path"],
    ["file path not under package/", (m) => { m.files[0].path = "index.js"; }, "files[0].path"],
    ["file float size", (m) => { m.files[0].size = 0.5; }, "files[0].size"],
    ["file over 50 MiB", (m) => { m.files[0].size = 50 * 1024 * 1024 + 1; }, "files[0].size"],
    ["files total over 100 MiB", (m) => { m.files[0].size = 50 * 1024 * 1024; m.files[1].size = 50 * 1024 * 1024; m.files.push({ ...file("package/z"), size: 1 }); }, "files[2].size"],
    ["file exec not boolean", (m) => { m.files[0].exec = 0; }, "files[0].exec"],
    ["file sha256 short", (m) => { m.files[0].sha256 = "00"; }, "files[0].sha256"],
    ["file mode key", (m) => { m.files[0].mode = 0o755; }, "files[0].mode"],
    ["entry kind", (m) => { m.entry.kind = "daemon"; }, "entry.kind"],
    ["entry main not in files", (m) => { m.entry.main = "package/other.js"; }, "entry.main"],
    ["capabilities missing tools", (m) => { delete m.capabilities.tools; }, "capabilities.tools"],
    ["unbounded dependency", (m) => { m.dependencies["@acme/util"] = ">=1.0.0"; }, "dependencies.@acme/util"],
    ["star dependency", (m) => { m.dependencies["@acme/util"] = "*"; }, "dependencies.@acme/util"],
    ["dependency name", (m) => { m.dependencies = { "Bad Name": "^1.0.0" }; }, "dependencies.Bad Name"],
    ["self dependency", (m) => { m.dependencies = { "@acme/web-search": "^1.0.0" }; }, "dependencies.@acme/web-search"],
    ["dependency range not a string", (m) => { m.dependencies["@acme/util"] = 1; }, "dependencies.@acme/util"],
    ["65 dependencies", (m) => { m.dependencies = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`d${i}`, "^1.0.0"])); }, "dependencies"],
    ["engines unknown key", (m) => { m.engines.npm = "^10"; }, "engines.npm"],
    ["engines invalid range", (m) => { m.engines.node = "latest"; }, "engines.node"],
    ["description too long", (m) => { m.description = "x".repeat(1025); }, "description"],
    ["description not NFC", (m) => { m.description = "cafe\u0301"; }, "description"],
    ["description lone surrogate", (m) => { m.description = "\ud800"; }, "description"],
    ["license not SPDX", (m) => { m.license = "MIT or whatever"; }, "license"],
    ["license dangling operator", (m) => { m.license = "MIT OR"; }, "license"],
    ["license unbalanced", (m) => { m.license = "(MIT"; }, "license"],
    ["license too long", (m) => { m.license = "A".repeat(129); }, "license"],
    ["repository http", (m) => { m.repository = "http://example.com/x"; }, "repository"],
    ["repository with credentials", (m) => { m.repository = "https://u:p@example.com/x"; }, "repository"],
    ["repository not a URL", (m) => { m.repository = "github:acme/x"; }, "repository"],
    ["createdAt with fraction", (m) => { m.createdAt = "2026-11-21T05:00:00.123Z"; }, "createdAt"],
    ["createdAt with offset", (m) => { m.createdAt = "2026-11-21T06:00:00+01:00"; }, "createdAt"],
  ];
  it.each(cases)("rejects %s at its path", (_name, mutate, path, kind) => {
    const value: M = kind === "array" ? [] : validManifest();
    mutate(value);
    expect(failure(value)).toEqual({ code: "REGISTRY_MANIFEST_INVALID", path });
  });

  it("rejects a canonical payload over the limit", () => {
    const value: M = validManifest();
    value.files = Array.from({ length: 100 }, (_, i) => file(`package/f${String(i).padStart(3, "0")}`));
    value.entry.main = "package/f000";
    expect(failure(value)).toBeUndefined();
    expect(failure(value, { ...DEFAULT_LIMITS, manifestBytes: 4096 })).toEqual({ code: "REGISTRY_MANIFEST_INVALID", path: "" });
  });
  it("rejects more files than the entry limit", () => {
    const value: M = validManifest();
    expect(failure(value, { ...DEFAULT_LIMITS, entries: 1 })).toEqual({ code: "REGISTRY_MANIFEST_INVALID", path: "files" });
  });
  it("the fixture's digests are consistent", () => {
    const value: M = validManifest();
    expect(value.artifact.sha512).toBe(toHex(sha512(utf8("tarball"))));
  });
});

describe("robustness", () => {
  /** Every path of a JSON value, as key lists. */
  function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (typeof value !== "object" || value === null) return [prefix];
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
  }
  const all = paths(validManifest()).filter((p) => p.length > 0);

  it("property: replacing any field with any JSON value yields the manifest or a REGISTRY_MANIFEST_INVALID error", () => {
    fc.assert(fc.property(fc.constantFrom(...all), fc.jsonValue({ maxDepth: 3 }), (path, replacement) => {
      const value: M = validManifest();
      let target: M = value;
      for (const key of path.slice(0, -1)) target = target[key] as M;
      target[path[path.length - 1]!] = replacement;
      try {
        validateManifest(value);
      } catch (error) {
        expect(isRegistryError(error) && error.code).toBe("REGISTRY_MANIFEST_INVALID");
        expect(isRegistryError(error) && typeof error.path).toBe("string");
      }
    }), { numRuns: 500 });
  });
  it("property: any JSON value at the top level is rejected with a typed error, never a crash", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(failure(value)?.code).toBe("REGISTRY_MANIFEST_INVALID");
    }));
  });
});
