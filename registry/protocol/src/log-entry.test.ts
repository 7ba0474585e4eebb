import { describe, expect, it } from "vitest";
import { logEntryLeafHash, validateLogEntry, type LogEntry } from "./log-entry.js";
import { generateKeyPair } from "./ed25519.js";
import { leafHash } from "./merkle.js";
import { canonicalBytes } from "./canonical-json.js";
import { isRegistryError } from "./errors.js";

const keyid = generateKeyPair().keyid;
const entry = (): LogEntry => ({
  _type: "agentgov/log-entry/v1", kind: "publish", name: "@acme/web-search", version: "1.4.2", publisher: "acme", keyids: [keyid],
  envelopeSha256: "a".repeat(64), manifestSha256: "b".repeat(64), sha512: "c".repeat(128), integratedAt: "2026-11-21T05:00:03Z",
});

function failurePath(value: unknown): string | undefined {
  try {
    validateLogEntry(value);
  } catch (error) {
    if (isRegistryError(error) && error.code === "REGISTRY_LOG_PROOF_INVALID") return error.path;
    throw error;
  }
  return undefined;
}

describe("log entries", () => {
  it("accepts the §4.8 example and a bind entry without package fields", () => {
    expect(validateLogEntry(entry())).toEqual(entry());
    const bind = { _type: "agentgov/log-entry/v1", kind: "bind", publisher: "acme", keyids: [keyid], integratedAt: "2026-11-21T05:00:03Z" };
    expect(validateLogEntry(bind)).toEqual(bind);
  });
  it.each([
    ["unknown kind", { kind: "delete" }, "kind"],
    ["wrong _type", { _type: "agentgov/entry/v1" }, "_type"],
    ["bad key id", { keyids: ["x"] }, "keyids[0]"],
    ["bad time", { integratedAt: "yesterday" }, "integratedAt"],
    ["bad name", { name: "A" }, "name"],
    ["bad version", { version: "1" }, "version"],
    ["bad publisher", { publisher: "-x" }, "publisher"],
    ["short sha512", { sha512: "c".repeat(64) }, "sha512"],
    ["bad envelope digest", { envelopeSha256: "z" }, "envelopeSha256"],
    ["bad manifest digest", { manifestSha256: "z" }, "manifestSha256"],
    ["publish without version", { version: undefined }, ""],
    ["unknown field", { extra: 1 }, "extra"],
  ])("rejects %s", (_name, patch, path) => {
    const value = JSON.parse(JSON.stringify({ ...entry(), ...patch })) as unknown;
    expect(failurePath(value)).toBe(path);
  });
  it("hashes as a Merkle leaf of its canonical JSON", () => {
    expect(logEntryLeafHash(entry())).toEqual(leafHash(canonicalBytes(entry())));
  });
});
