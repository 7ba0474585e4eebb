/** Writes the demo's files: `epochs.jsonl`, `summary.json`, `chart.svg`, `metrics.prom`. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DemoResult } from "./run-demo.js";

/** Writes the outputs of a demo run into `dir` (created if needed). */
export async function writeDemoOutputs(dir: string, result: DemoResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "epochs.jsonl"), result.epochsJsonl);
  await writeFile(join(dir, "summary.json"), `${JSON.stringify({ digest: result.digest, acceptance: result.acceptance, lines: result.lines }, null, 2)}\n`);
  await writeFile(join(dir, "chart.svg"), result.svg);
  await writeFile(join(dir, "metrics.prom"), result.metricsProm);
}
