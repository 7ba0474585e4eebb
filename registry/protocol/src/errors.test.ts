import { describe, expect, it } from "vitest";
import { RegistryError, isRegistryError } from "./errors.js";

describe("RegistryError", () => {
  it("carries code, path and cause, and prefixes the message with the path", () => {
    const cause = new Error("inner");
    const error = new RegistryError("REGISTRY_MANIFEST_INVALID", "bad", { path: "files[0].path", cause });
    expect([error.code, error.path, error.cause, error.message, error.name]).toEqual(
      ["REGISTRY_MANIFEST_INVALID", "files[0].path", cause, "files[0].path: bad", "RegistryError"],
    );
    expect(new RegistryError("REGISTRY_AUTH", "x", { path: "" }).message).toBe("<root>: x");
    expect(new RegistryError("REGISTRY_AUTH", "x").path).toBeUndefined();
  });
  it("is recognised by brand, including core's agentgov brand", () => {
    const error = new RegistryError("REGISTRY_STALE", "old");
    expect(isRegistryError(error)).toBe(true);
    expect((error as unknown as Record<symbol, unknown>)[Symbol.for("agentgov.error")]).toBe(true);
    expect(isRegistryError(new Error("x"))).toBe(false);
    expect(isRegistryError({ code: "REGISTRY_STALE" })).toBe(false);
    expect(isRegistryError(null)).toBe(false);
  });
});
