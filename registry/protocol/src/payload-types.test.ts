import { describe, expect, it } from "vitest";
import { STATEMENT_KINDS, kindOfPayloadType, payloadTypeOf, statementTypeOf } from "./payload-types.js";

describe("payload types", () => {
  it("has one distinct payload type and _type per kind", () => {
    expect(payloadTypeOf("manifest")).toBe("application/vnd.agentgov.manifest.v1+json");
    expect(statementTypeOf("key-binding")).toBe("agentgov/key-binding/v1");
    expect(new Set(STATEMENT_KINDS.map(payloadTypeOf)).size).toBe(STATEMENT_KINDS.length);
  });
  it("maps payload types back to kinds and nothing else", () => {
    for (const kind of STATEMENT_KINDS) expect(kindOfPayloadType(payloadTypeOf(kind))).toBe(kind);
    expect(kindOfPayloadType("application/vnd.agentgov.checkpoint.v1+json")).toBeUndefined();
    expect(kindOfPayloadType("application/vnd.in-toto+json")).toBeUndefined();
  });
});
