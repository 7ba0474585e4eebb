/**
 * Figures passed from the worker processes to the parent, medians across processes, and
 * the formatting of the tables.
 */
import type { Task } from "tinybench";

/** One timed task in one process. Times in nanoseconds. */
export interface TaskFigures {
  p50: number;
  p99: number;
  mean: number;
  /** 1e9 / mean: calls per second on one thread. */
  opsPerSec: number;
  samples: number;
}

/** Reads a finished tinybench task; throws when it did not complete. */
export function taskFigures(task: Task): TaskFigures {
  const r = task.result;
  if (r.state === "errored") {
    throw new Error(`task '${task.name}' failed: ${r.error.message}`, { cause: r.error });
  }
  if (r.state !== "completed") {
    throw new Error(`task '${task.name}' did not complete (state ${r.state})`);
  }
  const l = r.latency;
  const ms = 1e6; // tinybench reports milliseconds
  return {
    p50: l.p50 * ms,
    p99: l.p99 * ms,
    mean: l.mean * ms,
    opsPerSec: l.mean > 0 ? 1000 / l.mean : Number.POSITIVE_INFINITY,
    samples: l.samplesCount,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median of each field across processes. */
export function medianFigures(list: readonly TaskFigures[]): TaskFigures {
  return {
    p50: median(list.map((f) => f.p50)),
    p99: median(list.map((f) => f.p99)),
    mean: median(list.map((f) => f.mean)),
    opsPerSec: median(list.map((f) => f.opsPerSec)),
    samples: median(list.map((f) => f.samples)),
  };
}

/** A duration in nanoseconds, in the unit that reads best. */
export function fmtTime(ns: number): string {
  if (!Number.isFinite(ns)) return "—";
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 10_000) return `${(ns / 1_000).toFixed(2)} µs`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(1)} µs`;
  if (ns < 10_000_000) return `${(ns / 1_000_000).toFixed(2)} ms`;
  return `${(ns / 1_000_000).toFixed(1)} ms`;
}

/** A rate, e.g. `1.23 M/s`. */
export function fmtRate(perSec: number): string {
  if (!Number.isFinite(perSec)) return "—";
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)} M/s`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)} k/s`;
  return `${perSec.toFixed(1)} /s`;
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return "—";
  if (r >= 100) return `${Math.round(r).toLocaleString("en-US")}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toFixed(2)}×`;
}

/** A plain-text table with right-aligned columns (the first left-aligned). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => {
        const pad = " ".repeat(widths[i]! - width(c));
        return i === 0 ? c + pad : pad + c;
      })
      .join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}

/** Display width: every code point counts one column (✓, ✗, µ and × included; no emoji here). */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Figures from per-call samples in nanoseconds (nearest-rank percentiles). */
export function sampleFigures(samples: readonly number[]): TaskFigures {
  if (samples.length === 0) return { p50: Number.NaN, p99: Number.NaN, mean: Number.NaN, opsPerSec: Number.NaN, samples: 0 };
  const s = Float64Array.from(samples).sort();
  const rank = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  let sum = 0;
  for (const x of s) sum += x;
  const mean = sum / s.length;
  return { p50: rank(0.5), p99: rank(0.99), mean, opsPerSec: mean > 0 ? 1e9 / mean : Number.POSITIVE_INFINITY, samples: s.length };
}
