/**
 * `agentgov audit verify <file> [--key <pubkey.pem>] [--allow-open] [--json]`: verifies an
 * audit log's hash chain, sequence numbers and checkpoints (signatures with `--key`).
 * Exit 0 intact, 1 tampered or truncated (naming the seq, line and reason), 2 usage error
 * or unreadable log/key.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { isAgentGovError } from "@agentgov/core";
import { verifyAudit, type AuditVerifyResult } from "@agentgov/core/audit";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type CliIo, type Command, EXIT_FAIL, EXIT_OK, EXIT_USAGE, writeLine } from "../io.js";

const USAGE = `Usage: agentgov audit verify <file> [--key <pubkey.pem>] [--allow-open] [--json]

  --key <file>    Ed25519 public key (PEM) the log must be signed with; without it
                  checkpoint signatures are not checked
  --allow-open    accept a log that was not closed (no final checkpoint)
  --json          one JSON object on stdout

Exit codes: 0 intact, 1 tampered or truncated, 2 usage error or unreadable file/key.`;

/** `agentgov audit verify`. */
export const auditVerify: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    key: { type: "string" },
    "allow-open": { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new UsageError("give exactly one audit log file");

  let publicKey: string | undefined;
  if (values.key !== undefined) {
    try {
      publicKey = await readFile(resolve(io.cwd, values.key), "utf8");
    } catch (error) {
      return unreadable(io, `cannot read key ${values.key}: ${(error as Error).message}`);
    }
  }

  let result: AuditVerifyResult;
  try {
    result = await verifyAudit(resolve(io.cwd, file), {
      ...(publicKey === undefined ? {} : { publicKey }),
      allowOpen: values["allow-open"] === true,
    });
  } catch (error) {
    if (isAgentGovError(error) && (error.code === "AUDIT_IO" || error.code === "INVALID_OPTIONS")) {
      return unreadable(io, error.code === "INVALID_OPTIONS" ? `unusable key ${values.key ?? ""}: ${error.message}` : error.message);
    }
    throw error;
  }

  if (values.json === true) writeLine(io.stdout, JSON.stringify(jsonReport(result)));
  else writeLine(io.stdout, humanReport(result, colours(io.stdout, io.env)));
  return result.ok ? EXIT_OK : EXIT_FAIL;
};

function unreadable(io: CliIo, message: string): number {
  writeLine(io.stderr, `agentgov audit verify: ${message}`);
  return EXIT_USAGE;
}

function jsonReport(result: AuditVerifyResult): Record<string, unknown> {
  const summary = {
    records: result.records,
    lastSeq: result.lastSeq,
    head: result.head,
    checkpoints: result.checkpoints,
    sealed: result.sealed,
    signaturesChecked: result.signaturesChecked,
    keyId: result.keyId,
  };
  const { error } = result;
  if (error === undefined) return { ok: true, ...summary };
  return { ok: false, seq: error.seq, line: error.line, reason: error.reason, message: error.message, ...summary };
}

function humanReport(result: AuditVerifyResult, c: ReturnType<typeof colours>): string {
  const { error } = result;
  if (error !== undefined) {
    const label = error.reason === "truncated" ? "TRUNCATED" : "TAMPERED";
    const where = error.seq === null ? `line ${error.line}` : `seq ${error.seq} (line ${error.line})`;
    return `audit: ${c.red(`${label} at ${where}`)}: ${error.reason} — ${error.message}`;
  }
  const records = `${result.records} record${result.records === 1 ? "" : "s"}`;
  const range = result.records === 0 ? "" : ` (seq 1–${result.lastSeq})`;
  const state = result.sealed ? "sealed" : c.yellow("open (no final checkpoint)");
  const checkpoints = `${result.checkpoints} checkpoint${result.checkpoints === 1 ? "" : "s"}`;
  const signatures = result.signaturesChecked
    ? `signatures verified (key ${(result.keyId ?? "").slice(0, 16)}…)`
    : c.yellow(result.keyId === null
      ? "unsigned log: a rewritten log cannot be told from the original"
      : "signatures NOT checked (no --key): a rewritten log cannot be told from the original");
  return `audit: ${c.green("OK")} — ${records}${range}, ${state}, ${checkpoints}; ${signatures}`;
}
