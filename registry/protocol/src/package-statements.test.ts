import { describe, expect, it } from "vitest";
import { validateBlock, validateYank } from "./package-statements.js";
import { isRegistryError } from "./errors.js";

const base = { registry: "registry.example.com/log", name: "@acme/web-search", version: "1.4.2", issuedAt: "2026-11-21T05:00:00Z" };

function failure(fn: () => unknown): [string, string | undefined] | undefined {
  try {
    fn();
  } catch (error) {
    if (isRegistryError(error)) return [error.code, error.path];
    throw error;
  }
  return undefined;
}

describe("validateYank", () => {
  const yank = { _type: "agentgov/yank/v1", ...base, publisher: "acme", reason: "broken" };
  it("accepts a yank", () => {
    expect(validateYank(yank)).toEqual(yank);
  });
  it.each([
    ["wrong _type", { _type: "agentgov/block/v1" }, "_type"],
    ["bad version", { version: "v1.0.0" }, "version"],
    ["build metadata", { version: "1.0.0+b" }, "version"],
    ["bad name", { name: "@Acme/X" }, "name"],
    ["bad publisher", { publisher: "-acme" }, "publisher"],
    ["bad time", { issuedAt: "2026-11-21T05:00:00.1Z" }, "issuedAt"],
    ["unknown field", { extra: 1 }, "extra"],
    ["null reason", { reason: null }, "reason"],
  ])("rejects %s", (_label, patch, path) => {
    expect(failure(() => validateYank({ ...yank, ...patch }))).toEqual(["REGISTRY_REQUEST_INVALID", path]);
  });
});

describe("validateBlock", () => {
  const block = { _type: "agentgov/block/v1", ...base, reason: "malware", purge: true };
  it("accepts a block", () => {
    expect(validateBlock(block)).toEqual(block);
  });
  it.each<[string, Record<string, unknown>, string]>([
    ["non-boolean purge", { purge: 1 }, "purge"],
    ["publisher field", { publisher: "acme" }, "publisher"],
    ["empty reason", { reason: "" }, "reason"],
  ])("rejects %s", (_label, patch, path) => {
    expect(failure(() => validateBlock({ ...block, ...patch }))).toEqual(["REGISTRY_REQUEST_INVALID", path]);
  });
  it("rejects a missing reason", () => {
    const { reason: _reason, ...rest } = block;
    expect(failure(() => validateBlock(rest))).toEqual(["REGISTRY_REQUEST_INVALID", "reason"]);
  });
});
