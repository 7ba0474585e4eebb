import { describe, expect, it } from "vitest";
import { computeFacets } from "./facets.js";

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
