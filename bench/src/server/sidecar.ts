/**
 * The sidecar of the server benchmark: `createGovernanceServer` with the benchmark policy,
 * its default (SQLite) audit store, durable acknowledgement (or `--ack=appended`) and a
 * fresh `decide` token, in a temporary data directory. Prints {@link SidecarReady} and runs until SIGTERM, then closes (seals the log).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGovernanceServer, issueToken, TOKENS_FILE } from "@agentgov/server";
import { BENCH_POLICY, type SidecarReady } from "./protocol.js";

const root = mkdtempSync(join(tmpdir(), "agentgov-bench-server-"));
const policies = join(root, "policies");
const dataDir = join(root, "data");
mkdirSync(policies);
mkdirSync(dataDir, { mode: 0o700 });
writeFileSync(join(policies, "support-db.yaml"), BENCH_POLICY);
const token = issueToken(join(dataDir, TOKENS_FILE), { id: "bench", scopes: ["decide"] });
// `--ack appended` answers before the commit (to measure what durable acknowledgement costs).
const ack = process.argv.includes("--ack=appended") ? "appended" : "durable";
const server = createGovernanceServer({ policies, dataDir, watch: false, ack });
const { port } = await server.listen(0, "127.0.0.1");
const ready: SidecarReady = { port, token, dataDir };
process.stdout.write(`${JSON.stringify(ready)}\n`);
process.on("SIGTERM", () => {
  server.close().then(() => process.exit(0), () => process.exit(1));
});
