/**
 * `agentgov plugin trust list | add | rm | accept | registry` (REGISTRY.md §5.3, §8): the client trust
 * store `$AGENTGOV_HOME/trust.json` (written atomically, 0600).
 *
 * - `add <match> <public-key.json> [--mode pinned|tofu|registry] [--threshold N] [--publisher <p>]`
 *   adds the key (weak, small-order and non-canonical keys are `REGISTRY_WEAK_KEY`) and puts a
 *   policy for the glob first. Mode defaults to `pinned`; adding to an existing pinned policy of
 *   the same glob adds the key id to it. The key is labelled with `--publisher`, else the scope
 *   of a `@scope/…` glob (`tofu` and `registry` need a label).
 * - `rm <match>` removes the glob's policy; `accept <publisher>` forgets a TOFU pin;
 *   `list` shows policies (in order), keys and pins.
 * - `registry <url> --root-sha256 <hex>` pins root 1 of that registry (`registries.<url>.rootSha256`):
 *   every later session refuses a root chain that does not start at it (`REGISTRY_UNTRUSTED_KEY`).
 */
import { readFile } from "node:fs/promises";
import {
  TRUST_MODES, addTrustedKey, acceptPublisher, loadTrustStore, parsePublicKeyFile, pinRegistryRoot, registryBaseUrl, removePolicy,
  saveTrustStore, setPolicy,
  type TrustMode, type TrustStore,
} from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type CliIo, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf, pathOf } from "./plugin-common.js";

const USAGE = `Usage: agentgov plugin trust list [--json]
       agentgov plugin trust add <match> <public-key.json> [--mode pinned|tofu|registry] [--threshold N] [--publisher <p>] [--json]
       agentgov plugin trust rm <match> [--json]
       agentgov plugin trust accept <publisher> [--json]
       agentgov plugin trust registry <url> --root-sha256 <hex> [--json]

  <match>   package-name glob, '*' matches any run of characters ('@acme/*', '*')
  --mode    pinned (default: only the listed keys), tofu (first install pins the publisher's keys),
            registry (the publisher's keys in this store)
  registry  pins root 1 of the registry at <url> to the SHA-256 its operator published
            (replaces an earlier pin, which trust-on-first-use would otherwise have set)`;

const PUBLIC_KEY_FILE_MAX = 4096;

/** `agentgov plugin trust <list|add|rm|accept>`. */
export const pluginTrust: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "list": return trustList(rest, io);
    case "add": return trustAdd(rest, io);
    case "rm": return trustRm(rest, io);
    case "accept": return trustAccept(rest, io);
    case "registry": return trustRegistry(rest, io);
    case "-h":
    case "--help":
      writeLine(io.stdout, USAGE);
      return EXIT_OK;
    case undefined: throw new UsageError("give a trust command: list, add, rm, accept or registry");
    default: throw new UsageError(`unknown trust command '${sub}' (list, add, rm, accept, registry)`);
  }
};

async function trustList(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } });
  if (positionals.length > 0) throw new UsageError("trust list takes no arguments");
  const json = values.json === true;
  return guarded(io, json, async () => {
    const store = await loadTrustStore(homeOf(io));
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, ...store }));
    else writeLine(io.stdout, describe(store, colours(io.stdout, io.env)));
    return EXIT_OK;
  });
}

async function trustAdd(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    mode: { type: "string" },
    threshold: { type: "string" },
    publisher: { type: "string" },
    json: { type: "boolean" },
  });
  const [match, file, ...extra] = positionals;
  if (match === undefined || file === undefined || extra.length > 0) throw new UsageError("trust add takes <match> <public-key.json>");
  const mode = (values.mode ?? "pinned") as TrustMode;
  if (!TRUST_MODES.includes(mode)) throw new UsageError(`--mode must be one of ${TRUST_MODES.join(", ")}`);
  let threshold: number | undefined;
  if (values.threshold !== undefined) {
    if (mode !== "pinned") throw new UsageError("--threshold applies to pinned policies only");
    if (!/^[1-9][0-9]{0,2}$/.test(values.threshold)) throw new UsageError("--threshold must be a positive integer");
    threshold = Number(values.threshold);
  }
  const publisher = values.publisher ?? /^@([^/*]+)\//.exec(match)?.[1];
  if (publisher === undefined && mode !== "pinned") throw new UsageError(`--mode ${mode} needs --publisher (or a '@scope/…' match)`);
  const json = values.json === true;
  const keyJson = await readKeyJson(io, file);
  return guarded(io, json, async () => {
    const home = homeOf(io);
    const { keyid, publicKey } = parsePublicKeyFile(keyJson);
    const added = addTrustedKey(await loadTrustStore(home), publicKey, publisher);
    let store = added.store;
    if (mode === "pinned") {
      const existing = store.policies.find((p) => p.match === match && p.mode === "pinned");
      const keyids = [...new Set([...(existing?.keyids ?? []), keyid])];
      store = setPolicy(store, match, { mode, keyids, threshold: threshold ?? existing?.threshold ?? 1 });
    } else {
      store = setPolicy(store, match, { mode });
    }
    await saveTrustStore(store, home);
    const policy = store.policies[0];
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, keyid, policy }));
    else writeLine(io.stdout, `${colours(io.stdout, io.env).green("trusted")} ${keyid}${publisher === undefined ? "" : ` (${publisher})`} for '${match}' (${mode})`);
    return EXIT_OK;
  });
}

async function trustRm(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } });
  const [match, ...extra] = positionals;
  if (match === undefined || extra.length > 0) throw new UsageError("trust rm takes one <match>");
  const json = values.json === true;
  return guarded(io, json, async () => {
    const home = homeOf(io);
    await saveTrustStore(removePolicy(await loadTrustStore(home), match), home);
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, removed: match }));
    else writeLine(io.stdout, `${colours(io.stdout, io.env).green("removed")} policy '${match}'`);
    return EXIT_OK;
  });
}

async function trustAccept(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } });
  const [publisher, ...extra] = positionals;
  if (publisher === undefined || extra.length > 0) throw new UsageError("trust accept takes one <publisher>");
  const json = values.json === true;
  return guarded(io, json, async () => {
    const home = homeOf(io);
    await saveTrustStore(acceptPublisher(await loadTrustStore(home), publisher), home);
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, accepted: publisher }));
    else writeLine(io.stdout, `${colours(io.stdout, io.env).green("accepted")} ${publisher}: the next install pins its current keys`);
    return EXIT_OK;
  });
}

async function trustRegistry(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { "root-sha256": { type: "string" }, json: { type: "boolean" } });
  const [raw, ...extra] = positionals;
  if (raw === undefined || extra.length > 0) throw new UsageError("trust registry takes one <url>");
  const rootSha256 = values["root-sha256"];
  if (rootSha256 === undefined || !/^[0-9a-f]{64}$/.test(rootSha256)) throw new UsageError("trust registry needs --root-sha256 <64 lowercase hex digits>");
  let url: string;
  try {
    url = registryBaseUrl(raw);
  } catch {
    throw new UsageError(`'${raw}' is not a plain http(s) registry URL`);
  }
  const json = values.json === true;
  return guarded(io, json, async () => {
    const home = homeOf(io);
    const store = await loadTrustStore(home);
    const previous = store.registries[url]?.rootSha256;
    await saveTrustStore(pinRegistryRoot(store, url, rootSha256), home);
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, registry: url, rootSha256, ...(previous === undefined ? {} : { previous }) }));
    else writeLine(io.stdout, `${colours(io.stdout, io.env).green("pinned")} root 1 of ${url} to ${rootSha256}${previous === undefined || previous === rootSha256 ? "" : ` (was ${previous})`}`);
    return EXIT_OK;
  });
}

async function readKeyJson(io: CliIo, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(pathOf(io, file), "utf8");
  } catch (error) {
    throw new UsageError(`cannot read public key ${file}: ${(error as Error).message}`);
  }
  if (text.length > PUBLIC_KEY_FILE_MAX) throw new UsageError(`public key ${file} is larger than ${PUBLIC_KEY_FILE_MAX} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`public key ${file} is not JSON: ${(error as Error).message}`);
  }
}

function describe(store: TrustStore, c: ReturnType<typeof colours>): string {
  const lines = ["policies (first match wins):"];
  for (const p of store.policies) {
    const keys = p.mode === "pinned" ? ` keys ${(p.keyids ?? []).join(", ")} threshold ${p.threshold ?? 1}` : "";
    lines.push(`  ${p.match}  ${c.green(p.mode)}${keys}`);
  }
  if (store.policies.length === 0) lines.push(`  ${c.yellow("(none: every package is rejected)")}`);
  const keys = Object.entries(store.keys);
  lines.push(`keys: ${keys.length === 0 ? c.dim("(none)") : ""}`);
  for (const [id, k] of keys) lines.push(`  ${id}${k.publisher === undefined ? "" : `  ${k.publisher}`}`);
  const pins = Object.entries(store.tofu);
  lines.push(`tofu pins: ${pins.length === 0 ? c.dim("(none)") : ""}`);
  for (const [publisher, pin] of pins) lines.push(`  ${publisher}  ${pin.keyids.join(", ")}`);
  const roots = Object.entries(store.registries);
  lines.push(`registry roots: ${roots.length === 0 ? c.dim("(none)") : ""}`);
  for (const [url, pin] of roots) lines.push(`  ${url}  root 1 sha256 ${pin.rootSha256}`);
  return lines.join("\n");
}
