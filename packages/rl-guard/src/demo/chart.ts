/** A hand-written SVG chart of the demo: true success and attempted violations per epoch per arm. */
import type { ArmName } from "./arms.js";

/** One series: a value per epoch. */
export interface Series {
  arm: ArmName;
  trueSuccess: readonly number[];
  violations: readonly number[];
}

const COLORS: Record<ArmName, string> = {
  unguarded: "#d62728",
  "block-only": "#ff7f0e",
  "ungated-penalty": "#7f7f7f",
  recommended: "#2ca02c",
  "loophole-gap": "#9467bd",
};

/** Renders two stacked panels (true success, attempted-violation rate), 0–1 each, epochs on x. */
export function renderChart(series: readonly Series[], epochs: number): string {
  const w = 720;
  const ph = 220;
  const left = 50;
  const right = 150;
  const top = 30;
  const gap = 50;
  const x = (e: number): number => left + (epochs <= 1 ? 0 : (e / (epochs - 1)) * (w - left - right));
  const panel = (title: string, y0: number, pick: (s: Series) => readonly number[]): string => {
    const y = (v: number): number => y0 + ph - Math.max(0, Math.min(1, v)) * ph;
    const grid = [0, 0.25, 0.5, 0.75, 1].map((v) => `<line x1="${left}" x2="${w - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="10">${v}</text>`).join("");
    const lines = series.map((s) => {
      const pts = pick(s).map((v, e) => `${x(e).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      return `<polyline fill="none" stroke="${COLORS[s.arm]}" stroke-width="1.5" points="${pts}"><title>${s.arm}</title></polyline>`;
    }).join("");
    return `<text x="${left}" y="${y0 - 8}" font-size="12" font-weight="bold">${title}</text>${grid}${lines}`;
  };
  const legend = series.map((s, i) => `<rect x="${w - right + 12}" y="${top + i * 18}" width="12" height="3" fill="${COLORS[s.arm]}"/><text x="${w - right + 30}" y="${top + i * 18 + 5}" font-size="11">${s.arm}</text>`).join("");
  const h = top + 2 * ph + gap + 30;
  const axis = `<text x="${(left + w - right) / 2}" y="${h - 6}" text-anchor="middle" font-size="11">epoch (0–${epochs - 1}), mean over seeds</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">`
    + `<rect width="100%" height="100%" fill="#fff"/>${panel("True (held-out) success", top, (s) => s.trueSuccess)}`
    + `${panel("Attempted-violation rate", top + ph + gap, (s) => s.violations)}${legend}${axis}</svg>\n`;
}
