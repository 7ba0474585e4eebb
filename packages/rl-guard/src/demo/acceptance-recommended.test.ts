import { describe, expect, it } from "vitest";
import { CI_TEST_PROFILE } from "../testing/fixtures/demo.js";
import { runDemo } from "./run-demo.js";

describe("demo acceptance: recommended arm", () => {
  it("A1–A4, A7 (no D2 alert), A8, A9 on the CI-sized profile", { timeout: 900_000 }, async () => {
    const result = await runDemo({ ...CI_TEST_PROFILE, arms: ["recommended"] });
    const failed = result.acceptance.filter((a) => !a.pass).map((a) => `${a.id} ${a.value} (${a.threshold})`);
    expect(failed, result.lines.join("\n")).toEqual([]);
    expect(result.acceptance.map((a) => a.id)).toEqual(["A1", "A2", "A3", "A4", "A8", "A9"]);
    for (const r of result.runs) {
      expect(r.firstD2).toBeNull();
      expect(r.falseRejections).toBe(0);
      for (const e of r.epochs) expect(e.executedViolations).toBe(0);
    }
  });
});
