import { posix } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { baseName, computeFacets, type FacetOptions, type Facets, normalizePath } from "./facets.js";

const o = { toolKinds: { edit_file: "write", http_get: "net", bash: "shell" }, egressAllow: ["docs.example.com"], graderPaths: ["/grader/"] };

describe("computeFacets", () => {
  it("normalises paths and flags escapes", () => {
    expect(computeFacets("edit_file", { path: "./src/../tests/t.py" }, o)).toMatchObject({ kind: "write", path: "tests/t.py", basename: "t.py", path_escapes: false });
    expect(computeFacets("edit_file", { path: "../../etc/passwd" }, o).path_escapes).toBe(true);
    expect(computeFacets("edit_file", { path: "/grader/reward.json" }, o)).toMatchObject({ path_escapes: true, grader: true });
    expect(computeFacets("edit_file", { path: "src\\a.py" }, o).path).toBe("src/a.py");
  });
  it("parses URLs, allowing only listed hosts", () => {
    expect(computeFacets("http_get", { url: "https://Docs.Example.com/a?b" }, o).url).toEqual({ scheme: "https", host: "docs.example.com", path: "/a", allowed: true });
    expect(computeFacets("http_get", { url: "https://evil.example/x" }, o).url?.allowed).toBe(false);
    expect(computeFacets("http_get", { url: "not a url" }, o).url?.allowed).toBe(false);
  });
  it("tokenises shell commands best-effort", () => {
    expect(computeFacets("bash", { command: "/usr/bin/git log --git-dir=x" }, o)).toMatchObject({ kind: "shell", argv0: "git" });
    expect(computeFacets("bash", { argv: ["pip", "install", "x"] }, o).argv0).toBe("pip");
  });
  it("does not read inherited properties of tool_kinds", () => {
    expect(computeFacets("constructor", {}, o).kind).toBe("other");
  });
});

/** The facets as first written (a loop over the path keys, `posix.normalize` always): the reference for the fast paths. */
function referenceFacets(tool: string, args: Record<string, unknown>, opts: FacetOptions): Facets {
  const facets: Facets = { kind: Object.hasOwn(opts.toolKinds, tool) ? (opts.toolKinds[tool] ?? "other") : "other" };
  let rawPath: string | undefined;
  for (const k of ["path", "file", "filename", "file_path", "target"]) {
    const v = args[k];
    if (typeof v === "string") {
      rawPath = v;
      break;
    }
  }
  if (rawPath !== undefined) {
    const absolute = rawPath.startsWith("/");
    const normal = posix.normalize(rawPath.replaceAll("\\", "/"));
    facets.path = absolute ? normal : normal.replace(/^\.\//, "");
    facets.basename = posix.basename(normal);
    facets.path_escapes = absolute || normal === ".." || normal.startsWith("../");
    facets.grader = opts.graderPaths.some((g) => facets.path?.startsWith(g) === true || `${facets.path ?? ""}/` === g);
  }
  return facets;
}

/** Paths made of the characters that matter to normalisation (slashes, dots, backslashes), and anything else. */
const pathLike = fc.oneof(
  fc.array(fc.constantFrom("/", "\\", ".", "..", "a", "b.py", "tests", "", " "), { maxLength: 10 }).map((parts) => parts.join("")),
  fc.array(fc.constantFrom("a", ".", "..", "", "src", "tests"), { maxLength: 6 }).map((parts) => parts.join("/")),
  fc.string(),
);

describe("computeFacets fast paths (equal to the general path)", () => {
  it("normalizePath equals posix.normalize of the slash-converted path, and baseName equals posix.basename", () => {
    fc.assert(
      fc.property(pathLike, (raw) => {
        const normal = normalizePath(raw);
        expect(normal).toBe(posix.normalize(raw.replaceAll("\\", "/")));
        expect(baseName(normal)).toBe(posix.basename(normal));
        expect(baseName(raw)).toBe(posix.basename(raw));
      }),
      { numRuns: 3000 },
    );
  });

  it("path facets equal the reference for any path arguments and grader paths", () => {
    const keyed = fc.dictionary(fc.constantFrom("path", "file", "filename", "file_path", "target", "other"), fc.oneof(pathLike, fc.integer(), fc.constant(null)), { maxKeys: 4 });
    const graders = fc.array(fc.oneof(pathLike, fc.constantFrom("/grader/", "tests/", "tests")), { maxLength: 3 });
    fc.assert(
      fc.property(fc.constantFrom("edit_file", "read_file", "bash", "constructor"), keyed, graders, (tool, args, graderPaths) => {
        const opts = { ...o, graderPaths };
        const got = computeFacets(tool, args, opts);
        const { url: _url, argv: _argv, argv0: _argv0, ...pathFacets } = got;
        expect(pathFacets).toEqual(referenceFacets(tool, args, opts));
      }),
      { numRuns: 2000 },
    );
  });
});
