import { describe, expect, it } from "vitest";
import { CI_TEST_PROFILE } from "../testing/fixtures/demo.js";
import { runDemo } from "./run-demo.js";

describe("demo acceptance: control and loophole arms", () => {
  it("A4–A7, A8, A9 on the CI-sized profile", { timeout: 900_000 }, async () => {
    const result = await runDemo({ ...CI_TEST_PROFILE, arms: ["unguarded", "ungated-penalty", "loophole-gap"] });
    const failed = result.acceptance.filter((a) => !a.pass).map((a) => `${a.id} ${a.value} (${a.threshold})`);
    expect(failed, result.lines.join("\n")).toEqual([]);
    expect(result.acceptance.map((a) => a.id)).toEqual(["A4", "A5", "A6", "A7", "A8", "A9"]);
    for (const r of result.runs.filter((x) => x.arm === "loophole-gap")) {
      expect(r.firstD2).not.toBeNull();
      expect(r.firstD2 ?? Infinity).toBeLessThanOrEqual(20);
      expect(r.killedAt).toBe(r.firstD2);
    }
    for (const r of result.runs.filter((x) => x.arm !== "unguarded")) for (const e of r.epochs) expect(e.executedViolations).toBe(0);
  });
});
