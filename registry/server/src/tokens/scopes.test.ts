import { describe, expect, it } from "vitest";
import { coversName, isScope } from "./scopes.js";

describe("scopes", () => {
  it.each(["admin", "keys", "publish:@acme/*", "publish:@acme/web", "publish:web", "publish:*", "publish:web-*"])("accepts %s", (scope) => {
    expect(isScope(scope)).toBe(true);
  });
  it.each(["root", "publish:", "publish:@Acme/*", "publish:**", "publish:@acme*/x", "publish:../x", "Admin", 42])("rejects %s", (scope) => {
    expect(isScope(scope)).toBe(false);
  });
  it("matches exact names and prefixes only", () => {
    expect(coversName(["publish:@acme/*"], "@acme/web")).toBe(true);
    expect(coversName(["publish:@acme/*"], "@acmex/web")).toBe(false);
    expect(coversName(["publish:@acme/web"], "@acme/web-search")).toBe(false);
    expect(coversName(["keys", "admin"], "@acme/web")).toBe(false);
  });
});
