/** The human-readable report of `agentgov verify`: per OWASP Agentic risk, each attack and who stopped it. */
import type { colours } from "../io.js";
import type { CatalogueReport } from "./run-catalogue.js";

/** The report's lines. */
export function reportLines(report: CatalogueReport, c: ReturnType<typeof colours>): string[] {
  const lines: string[] = [];
  for (const risk of report.risks) {
    if (risk.status === "not_exercised") {
      lines.push(c.dim(`${risk.id} ${risk.name} — not exercised (no attack in the catalogue; not graded)`));
      continue;
    }
    const through = risk.got_through === 0 ? c.green("0 got through") : c.red(`${risk.got_through} got through`);
    lines.push(`${risk.id} ${risk.name} — ${risk.attacks} run, ${risk.stopped} stopped, ${through}`);
    for (const r of risk.results) {
      const label = r.outcome === "stopped" ? c.green("stopped") : c.red("THROUGH");
      lines.push(`  ${label}  ${r.id.padEnd(40)} ${r.action} by ${r.control}${r.code === "rule" ? "" : ` (${r.code})`}`);
    }
  }
  if (report.risks.every((r) => r.status === "not_exercised" || r.results.every((x) => x.code === "no_policy"))) {
    lines.push(c.yellow(`note: no policy applies to agent '${report.agent}', so every attack was denied by no_policy; give --agent <id> to test the agent your policies govern`));
  }
  return lines;
}
