import { describe, expect, it } from "vitest";
import { formatRfc3339Seconds, isRfc3339Seconds, parseRfc3339Seconds } from "./time.js";

describe("RFC 3339 UTC seconds", () => {
  it("accepts real instants", () => {
    expect(isRfc3339Seconds("2026-11-21T05:00:00Z")).toBe(true);
    expect(isRfc3339Seconds("2024-02-29T23:59:59Z")).toBe(true);
  });
  it.each([
    "2026-11-21T05:00:00.000Z", "2026-11-21T05:00:00+00:00", "2026-11-21 05:00:00Z", "2026-11-21T05:00Z", "2026-11-21t05:00:00z",
    "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T23:59:60Z", "", "+02026-11-21T05:00:00Z",
  ])("rejects %j", (text) => {
    expect(isRfc3339Seconds(text)).toBe(false);
    expect(parseRfc3339Seconds(text)).toBeUndefined();
  });
  it("formats and parses Unix seconds", () => {
    expect(formatRfc3339Seconds(0)).toBe("1970-01-01T00:00:00Z");
    expect(parseRfc3339Seconds(formatRfc3339Seconds(1_795_000_000))).toBe(1_795_000_000);
  });
});
