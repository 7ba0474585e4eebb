/**
 * `agentgov verify [--policies dir] [--agent id] [--out evidence.json] [--key keyfile] [--json]`:
 * runs the built-in attack catalogue through a kernel with the loaded policies, reports per
 * OWASP Agentic risk which attacks ran, which were stopped by which policy and rule and
 * which got through, and writes Ed25519-signed evidence. Exit 0 when nothing got through,
 * 1 when something did, 2 on a usage error or policies that do not load.
 *
 * `agentgov verify --check <evidence.json> [--key pub.pem] [--json]` checks evidence: exit 0
 * valid, 1 changed, malformed or signed by another key, 2 unreadable file or key.
 */
import { hash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createKernel, formatPolicyIssue, PolicyLoadError, type Kernel } from "@agentgov/core";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type CliIo, type Command, EXIT_FAIL, EXIT_OK, EXIT_USAGE, writeLine } from "../io.js";
import { displayPath, policyFilesOf } from "../policy-files.js";
import { InputError, parseJson, readText } from "../read-input.js";
import { ATTACKS, CATALOGUE_VERSION } from "../verify/catalogue.js";
import { checkEvidence, EVIDENCE_SCHEMA, EvidenceError, ephemeralSigner, publicKeyFromPem, signerFromPem, signEvidence, type EvidenceSigner } from "../verify/evidence.js";
import { OWASP_AGENTIC_EDITION } from "../verify/owasp-agentic.js";
import { reportLines } from "../verify/print-report.js";
import { runCatalogue } from "../verify/run-catalogue.js";

/** The agent id attacks are sent as when `--agent` is not given. */
export const DEFAULT_VERIFY_AGENT = "agentgov-verify";
/** Where evidence is written when `--out` is not given. */
export const DEFAULT_EVIDENCE_FILE = "agentgov-evidence.json";

const USAGE = `Usage: agentgov verify [--policies <dir|file>] [--agent <id>] [--out <evidence.json>] [--key <private.pem>] [--json]
       agentgov verify --check <evidence.json> [--key <public.pem>] [--json]

  --policies <p>   policy directory (every *.yaml, *.yml, *.json) or one file (default ./policies)
  --agent <id>     the agent the attacks are sent as (default ${DEFAULT_VERIFY_AGENT}); use the id your policies govern
  --out <file>     evidence file (default ./${DEFAULT_EVIDENCE_FILE})
  --key <file>     Ed25519 private key (PKCS#8 PEM) to sign with; without it an ephemeral key is
                   generated, its public key included and flagged ephemeral (integrity, not origin).
                   With --check: the public key the evidence must be signed with
  --check <file>   verify an evidence file instead of running
  --json           the report (or the check) as one JSON object on stdout

Exit codes: 0 nothing got through (check: valid), 1 something got through (check: invalid), 2 usage error.`;

/** `agentgov verify`. */
export const verify: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    policies: { type: "string" },
    agent: { type: "string" },
    out: { type: "string" },
    key: { type: "string" },
    check: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0] ?? ""}'\n${USAGE}`);
  const json = values.json === true;
  if (values.check !== undefined) {
    if (values.policies !== undefined || values.agent !== undefined || values.out !== undefined) throw new UsageError("--check takes only --key and --json");
    return checkCommand(io, values.check, values.key, json);
  }
  const agent = values.agent ?? DEFAULT_VERIFY_AGENT;
  if (agent === "" || agent.length > 256) throw new UsageError("--agent must be 1 to 256 characters");
  return runCommand(io, { policies: values.policies ?? "policies", agent, out: values.out ?? DEFAULT_EVIDENCE_FILE, key: values.key, json });
};

async function runCommand(io: CliIo, o: { policies: string; agent: string; out: string; key: string | undefined; json: boolean }): Promise<number> {
  const files = policyFilesOf(resolve(io.cwd, o.policies)).map((f) => displayPath(io.cwd, f));
  if (files.length === 0) throw new InputError(`no policy files in ${o.policies}`);
  const signer: EvidenceSigner = o.key === undefined ? ephemeralSigner() : signerOf(await readText(o.key, io), o.key);
  // Hashed before and after loading: the evidence names exactly the bytes the kernel decided with.
  const hashes = (): { path: string; sha256: string }[] => files.map((path) => ({ path, sha256: hash("sha256", readFileSync(resolve(io.cwd, path)), "hex") }));
  const before = hashes();
  let kernel: Kernel;
  try {
    kernel = createKernel({ policies: files, cwd: io.cwd });
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    for (const issue of error.issues) writeLine(io.stderr, `error ${formatPolicyIssue(issue)}`);
    writeLine(io.stderr, `agentgov verify: the policies do not load (${error.issues.length} problem(s))`);
    return EXIT_USAGE;
  }
  const report = runCatalogue(kernel, o.agent);
  await kernel.close();
  if (JSON.stringify(hashes()) !== JSON.stringify(before)) throw new InputError("a policy file changed while verify ran; run it again");
  const evidence = signEvidence({
    schema: EVIDENCE_SCHEMA,
    created_at: new Date().toISOString(),
    generator: { name: "agentgov verify", version: cliVersion() },
    owasp: OWASP_AGENTIC_EDITION,
    catalogue: { version: CATALOGUE_VERSION, attacks: ATTACKS.length },
    policies: { files: before, digest: report.policy_digest },
    report,
  }, signer);
  const out = resolve(io.cwd, o.out);
  try {
    writeFileSync(out, JSON.stringify(evidence, null, 2) + "\n");
  } catch (error) {
    throw new InputError(`cannot write ${o.out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const ok = report.got_through === 0;
  if (o.json) writeLine(io.stdout, JSON.stringify({ ok, evidence: out, key_id: evidence.signature.key_id, ephemeral_key: signer.ephemeral, ...report }));
  else {
    const c = colours(io.stdout, io.env);
    writeLine(io.stdout, `agentgov verify: ${report.attacks} attacks as agent '${report.agent}' against ${files.length} policy file(s) (digest ${report.policy_digest.slice(0, 12)}…)`);
    for (const line of reportLines(report, c)) writeLine(io.stdout, line);
    const key = signer.ephemeral ? c.yellow("an ephemeral key (proves integrity, not origin)") : `key ${o.key ?? ""}`;
    writeLine(io.stdout, `evidence: ${out}, signed with ${key}, key id ${evidence.signature.key_id.slice(0, 16)}…`);
    writeLine(io.stdout, ok ? c.green(`${report.stopped} of ${report.attacks} attacks stopped; none got through`) : c.red(`${report.got_through} of ${report.attacks} attacks got through`));
  }
  return ok ? EXIT_OK : EXIT_FAIL;
}

async function checkCommand(io: CliIo, file: string, keyFile: string | undefined, json: boolean): Promise<number> {
  let trusted;
  if (keyFile !== undefined) {
    try {
      trusted = publicKeyFromPem(await readText(keyFile, io));
    } catch (error) {
      if (error instanceof EvidenceError) throw new InputError(`${keyFile}: ${error.message}`);
      throw error;
    }
  }
  const value = parseJson(await readText(file, io), file);
  try {
    const result = checkEvidence(value, trusted);
    const report = (value as { report?: { attacks?: unknown; got_through?: unknown } }).report;
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, key_id: result.keyId, ephemeral_key: result.ephemeral, trusted_key: result.trustedKey, attacks: report?.attacks, got_through: report?.got_through }));
    else {
      const c = colours(io.stdout, io.env);
      const who = result.trustedKey ? `the given key ${keyFile ?? ""}` : result.ephemeral ? c.yellow("an ephemeral key (integrity only: anyone could have made it)") : c.yellow("a key you did not name (give --key to check who signed)");
      writeLine(io.stdout, `evidence: ${c.green("OK")} — signature valid, signed by ${who}, key id ${result.keyId.slice(0, 16)}…; ${String(report?.attacks)} attacks, ${String(report?.got_through)} got through`);
    }
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof EvidenceError)) throw error;
    if (json) writeLine(io.stdout, JSON.stringify({ ok: false, code: error.code, message: error.message }));
    else writeLine(io.stderr, `${colours(io.stderr, io.env).red(error.code)}: ${error.message}`);
    return EXIT_FAIL;
  }
}

function signerOf(pem: string, path: string): EvidenceSigner {
  try {
    return signerFromPem(pem);
  } catch (error) {
    if (error instanceof EvidenceError) throw new InputError(`${path}: ${error.message}`);
    throw error;
  }
}

function cliVersion(): string {
  try {
    const manifest = parseJson(readFileSync(new URL("../../package.json", import.meta.url), "utf8"), "package.json") as { version?: unknown };
    return typeof manifest.version === "string" ? manifest.version : "unknown";
  } catch {
    return "unknown";
  }
}
