import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { demoMain } from "./cli.js";
import { renderChart } from "./chart.js";
import { runDemo, type DemoOptions } from "./run-demo.js";

describe("offline demo", () => {
  it("is deterministic: two runs give identical output (timings aside)", { timeout: 120_000 }, async () => {
    const small: DemoOptions = { seeds: [5], defaultEpochs: 3, tasks: 2, group: 4, evalEpisodes: 10 };
    const [a, b] = [await runDemo(small), await runDemo(small)];
    expect(a.digest).toBe(b.digest);
    expect(a.lines).toEqual(b.lines);
    expect(a.svg).toBe(b.svg);
    expect(a.epochsJsonl).toBe(b.epochsJsonl);
    expect(a.metricsProm).toBe(b.metricsProm);
    expect(a.metricsProm).toContain("agentgov_rl_episodes_total");
    const other = await runDemo({ ...small, seeds: [6] });
    expect(other.digest).not.toBe(a.digest);
  });

  it("renders one polyline per arm and panel", () => {
    const svg = renderChart([{ arm: "recommended", trueSuccess: [0, 0.5, 1], violations: [1, 0.5, 0] }, { arm: "unguarded", trueSuccess: [0, 0, 0], violations: [1, 1, 1] }], 3);
    expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true);
    expect(svg.match(/<polyline/g)?.length).toBe(4);
    expect(svg).toContain("recommended");
  });

  it("rejects bad arguments with exit code 2", async () => {
    const lines: string[] = [];
    expect(await demoMain(["--nope"], (l) => lines.push(l))).toBe(2);
    expect(await demoMain(["--arms", "bogus"], (l) => lines.push(l))).toBe(2);
    expect(await demoMain(["--profile", "full"], (l) => lines.push(l))).toBe(2);
    expect(lines).toHaveLength(3);
  });
});

describe("demo outputs", () => {
  it("writes epochs.jsonl, summary.json, chart.svg and metrics.prom", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-demo-"));
    const lines: string[] = [];
    const code = await demoMain(["--seeds", "7", "--epochs", "1", "--arms", "recommended", "--out", dir], (l) => lines.push(l));
    expect(code).toBe(1); // one epoch cannot meet the thresholds: the exit code says so
    expect(lines.some((l) => l.startsWith("ACCEPTANCE A1 FAIL"))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"))).toHaveProperty("digest");
    expect(readFileSync(join(dir, "epochs.jsonl"), "utf8").trim().split("\n")).toHaveLength(1);
    expect(readFileSync(join(dir, "chart.svg"), "utf8")).toContain("<svg");
    expect(readFileSync(join(dir, "metrics.prom"), "utf8")).toContain('agentgov_rl_phase_info{phase="basic"} 1');
  });
});
