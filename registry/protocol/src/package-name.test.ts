import { describe, expect, it } from "vitest";
import { artifactFilename, confusableKey, isPublisherId, packageNameProblem, scopeOf, unscopedName } from "./package-name.js";

describe("package names", () => {
  it.each(["web-search", "@acme/web-search", "a", "a.b_c~d-e", "0x", "@a0/b"])("accepts %s", (name) => {
    expect(packageNameProblem(name)).toBeUndefined();
  });
  it.each(["", "Web", "@acme", "@acme/", "@/x", ".x", "_x", "-x", "@acme/b/c", "a b", "é", "@Acme/x", "x".repeat(215)])("rejects %j", (name) => {
    expect(packageNameProblem(name)).toBeDefined();
  });
  it("splits scopes", () => {
    expect(scopeOf("@acme/web-search")).toBe("acme");
    expect(scopeOf("web-search")).toBeUndefined();
    expect(unscopedName("@acme/web-search")).toBe("web-search");
    expect(unscopedName("web-search")).toBe("web-search");
  });
  it("derives confusable keys", () => {
    expect(confusableKey("web-search")).toBe(confusableKey("web_search"));
    expect(confusableKey("web.search")).toBe(confusableKey("websearch"));
    expect(confusableKey("web~search")).toBe("websearch");
    expect(confusableKey("web-search")).not.toBe(confusableKey("web-searches"));
  });
  it("names the artifact after the unscoped name", () => {
    expect(artifactFilename("@acme/web-search", "1.4.2")).toBe("web-search-1.4.2.tgz");
    expect(artifactFilename("tool", "1.0.0-rc.1")).toBe("tool-1.0.0-rc.1.tgz");
  });
});

describe("publisher ids", () => {
  it.each(["acme", "a", "a-b", "0", "a".repeat(39)])("accepts %s", (id) => {
    expect(isPublisherId(id)).toBe(true);
  });
  it.each(["", "-a", "A", "a_b", "a.b", "a".repeat(40)])("rejects %j", (id) => {
    expect(isPublisherId(id)).toBe(false);
  });
});
