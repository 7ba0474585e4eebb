import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../internal/canonical-json.js";
import { recordLine } from "./record.js";
import { AUDIT_VERIFY_REASONS, generateAuditKeyPair, memoryAudit, verifyAudit, type AuditEntry, type AuditKeyPair, type AuditVerifyResult } from "./index.js";
import { auditEntry } from "../testing/fixtures/audit-entry.js";

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

let dir = "";
let keys: AuditKeyPair;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentgov-verify-"));
  keys = generateAuditKeyPair();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function entry(i: number): AuditEntry {
  return auditEntry(i);
}

/** A closed log of `records` records as lines: header at line 1, seq k at line k + 1 (no periodic checkpoints unless asked). */
async function log(records: number, options: { signed?: boolean; checkpointEvery?: number } = {}): Promise<string[]> {
  const sink = memoryAudit({
    checkpointEvery: options.checkpointEvery ?? 0,
    ...(options.signed === true ? { signingKey: keys.privateKey } : {}),
  });
  for (let i = 1; i <= records; i++) sink.append(entry(i));
  await sink.close();
  return [...sink.lines()];
}

type Json = Record<string, unknown>;
const parse = (line: string): Json => JSON.parse(line) as Json;

/** Re-serialises a record object as the writer would, with a freshly computed hash. */
function rehash(record: Json): string {
  const { hash: _old, ...rest } = record;
  const body = canonicalJson(rest);
  return recordLine(body, sha256(body));
}

/** Rewrites the chain from line index `from` on: new content is re-hashed and re-linked (an attacker without the key). */
function rewriteFrom(lines: string[], from: number, change: (r: Json) => void): string[] {
  const out = [...lines];
  let prev = (parse(out[from - 1]!).hash ?? parse(out[from - 1]!).genesis) as string;
  for (let i = from; i < out.length; i++) {
    const item = parse(out[i]!);
    if (item.type !== undefined) continue;
    if (i === from) change(item);
    item.prev = prev;
    out[i] = rehash(item);
    prev = parse(out[i]!).hash as string;
  }
  return out;
}

function failure(result: AuditVerifyResult): unknown {
  expect(result.ok).toBe(false);
  return result.error;
}

describe("verifyAudit: intact logs", () => {
  it("accepts an intact, sealed log and reports its head", async () => {
    const lines = await log(5, { checkpointEvery: 2 });
    const result = await verifyAudit(lines);
    expect(result).toEqual({
      ok: true,
      records: 5,
      lastSeq: 5,
      head: parse(lines.at(-2)!).hash,
      genesis: parse(lines[0]!).genesis,
      keyId: null,
      checkpoints: 3,
      sealed: true,
      signaturesChecked: false,
    });
  });

  it("checks every signature under a pinned key", async () => {
    const result = await verifyAudit(await log(5, { signed: true, checkpointEvery: 2 }), { publicKey: keys.publicKey });
    expect(result).toMatchObject({ ok: true, signaturesChecked: true, keyId: keys.keyId, checkpoints: 3 });
  });

  it("ignores one trailing empty string (from split) in a lines source", async () => {
    const lines = await log(2);
    expect(await verifyAudit([...lines, ""])).toMatchObject({ ok: true, records: 2 });
    expect(failure(await verifyAudit([...lines.slice(0, 2), "", ...lines.slice(2)]))).toMatchObject({ reason: "malformed_line", line: 3 });
  });

  it("accepts parsed items, with or without the header", async () => {
    const lines = await log(3);
    expect(await verifyAudit(lines.map(parse))).toMatchObject({ ok: true, records: 3, sealed: true });
    const genesis = parse(lines[0]!).genesis as string;
    expect(await verifyAudit(lines.slice(1).map(parse), { genesis })).toMatchObject({ ok: true, records: 3, sealed: true });
    expect(failure(await verifyAudit([parse(lines[0]!), 42 as unknown as Json]))).toMatchObject({ reason: "malformed_line", line: 2 });
  });

  it("every reason is a documented, stable code", () => {
    expect(AUDIT_VERIFY_REASONS).toEqual([
      "malformed_line", "bad_header", "hash_mismatch", "chain_break", "seq_gap", "seq_order",
      "bad_checkpoint_signature", "checkpoint_mismatch", "truncated", "key_mismatch",
    ]);
  });
});

describe("verifyAudit: tampering", () => {
  it("modified record → hash_mismatch at its seq and line", async () => {
    const lines = await log(5);
    lines[3] = lines[3]!.replace('"q":"3"', '"q":"X"');
    expect(failure(await verifyAudit(lines))).toMatchObject({ reason: "hash_mismatch", seq: 3, line: 4, message: "record content does not match its hash" });
  });

  it("deleted record → seq_gap at the next seq", async () => {
    const lines = await log(5);
    lines.splice(3, 1);
    expect(failure(await verifyAudit(lines))).toMatchObject({ reason: "seq_gap", seq: 4, line: 4, message: expect.stringContaining("expected seq 3") as string });
  });

  it("reordered records → seq_gap where the order breaks", async () => {
    const lines = await log(5);
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    expect(failure(await verifyAudit(lines))).toMatchObject({ reason: "seq_gap", seq: 4, line: 4 });
  });

  it("inserted copy of a record → seq_order", async () => {
    const lines = await log(5);
    lines.splice(4, 0, lines[3]!);
    expect(failure(await verifyAudit(lines))).toMatchObject({ reason: "seq_order", seq: 3, line: 5 });
  });

  it("record replaced by a forged one with a valid hash → chain_break at the next record", async () => {
    const lines = await log(5);
    const forged = parse(lines[3]!);
    forged.args = { q: "forged" };
    lines[3] = rehash(forged);
    expect(failure(await verifyAudit(lines))).toMatchObject({ reason: "chain_break", seq: 4, line: 5 });
  });

  it("forged record linked to nothing → chain_break at its own seq", async () => {
    const lines = await log(5);
    const forged = parse(lines[1]!);
    forged.prev = "0".repeat(64);
    lines[1] = rehash(forged);
    expect(failure(await verifyAudit(lines))).toMatchObject({ reason: "chain_break", seq: 1, line: 2, message: expect.stringContaining("genesis") as string });
  });

  it("chain rewritten from a record on → checkpoint_mismatch at the next checkpoint", async () => {
    const lines = await log(6, { checkpointEvery: 4 }); // header, 1..4, cp(4), 5, 6, cp(6, final)
    const rewritten = rewriteFrom(lines, 2, (r) => {
      r.args = { q: "rewritten" };
    });
    expect(failure(await verifyAudit(rewritten))).toMatchObject({ reason: "checkpoint_mismatch", seq: 4, line: 6 });
  });

  it("chain and checkpoints rewritten: caught by the signatures with the key, not without it", async () => {
    const lines = await log(4, { signed: true, checkpointEvery: 0 });
    const rewritten = rewriteFrom(lines, 2, (r) => {
      r.args = { q: "rewritten" };
    });
    const cp = parse(rewritten.at(-1)!);
    cp.hash = parse(rewritten.at(-2)!).hash;
    rewritten[rewritten.length - 1] = JSON.stringify(cp);
    expect(failure(await verifyAudit(rewritten, { publicKey: keys.publicKey }))).toMatchObject({ reason: "bad_checkpoint_signature", seq: 4, line: 6 });
    // Without a pinned key nothing external is checked: the rewrite passes, and the result says so.
    expect(await verifyAudit(rewritten)).toMatchObject({ ok: true, signaturesChecked: false });
  });

  it("a checkpoint from another log (same key) does not verify in this one", async () => {
    const a = await log(3, { signed: true });
    const b = await log(3, { signed: true });
    const cpB = parse(b.at(-1)!);
    const cpA = parse(a.at(-1)!);
    // Give B's signature to A's checkpoint: only the genesis in the signed payload differs.
    a[a.length - 1] = JSON.stringify({ ...cpA, sig: cpB.sig, ts: cpB.ts });
    expect(failure(await verifyAudit(a, { publicKey: keys.publicKey }))).toMatchObject({ reason: "bad_checkpoint_signature", seq: 3 });
  });

  it("unsigned checkpoint in a signed log → bad_checkpoint_signature with the key", async () => {
    const lines = await log(2, { signed: true });
    const cp = parse(lines.at(-1)!);
    delete cp.sig;
    lines[lines.length - 1] = JSON.stringify(cp);
    expect(failure(await verifyAudit(lines, { publicKey: keys.publicKey }))).toMatchObject({ reason: "bad_checkpoint_signature", message: "the checkpoint is not signed" });
  });

  it("checkpoint moved before its record → checkpoint_mismatch; non-final checkpoint beyond the records → checkpoint_mismatch", async () => {
    const lines = await log(5, { checkpointEvery: 3 }); // header, 1, 2, 3, cp(3), 4, 5, cp(5)
    const moved = [...lines];
    [moved[3], moved[4]] = [moved[4]!, moved[3]!];
    expect(failure(await verifyAudit(moved))).toMatchObject({ reason: "checkpoint_mismatch", seq: 3, line: 4 });
    const later = [...lines];
    later.splice(4, 1);
    later.splice(5, 0, lines[4]!); // cp(3) after record 4
    expect(failure(await verifyAudit(later))).toMatchObject({ reason: "checkpoint_mismatch", seq: 3, line: 6 });
    const gap = [...lines];
    gap.splice(3, 1); // record 3 gone, cp(3) follows record 2
    expect(failure(await verifyAudit(gap))).toMatchObject({ reason: "checkpoint_mismatch", seq: 3, line: 4, message: expect.stringContaining("missing") as string });
  });

  it("checkpoint key_id different from the header's → key_mismatch", async () => {
    const lines = await log(2, { signed: true });
    const cp = parse(lines.at(-1)!);
    cp.key_id = "e".repeat(64);
    lines[lines.length - 1] = JSON.stringify(cp);
    expect(failure(await verifyAudit(lines))).toMatchObject({ reason: "key_mismatch", seq: 2 });
  });

  it("reports the first problem when there are several", async () => {
    const lines = await log(6);
    lines[5] = lines[5]!.replace('"q":"5"', '"q":"X"');
    lines.splice(2, 1);
    expect(failure(await verifyAudit(lines))).toMatchObject({ reason: "seq_gap", seq: 3, line: 3 });
  });
});

describe("verifyAudit: truncation", () => {
  it("no final checkpoint → truncated at the last seq (unless allowOpen)", async () => {
    const lines = (await log(5)).slice(0, -2); // record 5 and the final checkpoint gone
    expect(failure(await verifyAudit(lines))).toMatchObject({ reason: "truncated", seq: 4, line: 5 });
    expect(await verifyAudit(lines, { allowOpen: true })).toMatchObject({ ok: true, records: 4, sealed: false });
  });

  it("final checkpoint kept but records before it removed → truncated", async () => {
    const lines = await log(5);
    lines.splice(4, 2); // records 4 and 5
    expect(failure(await verifyAudit(lines))).toMatchObject({ reason: "truncated", seq: 5, line: 5, message: expect.stringContaining("records end at seq 3") as string });
  });

  it("a periodic checkpoint turned final after truncation: caught only with the key", async () => {
    const lines = (await log(6, { signed: true, checkpointEvery: 3 })).slice(0, 5); // header, 1, 2, 3, cp(3)
    const cp = parse(lines[4]!);
    cp.final = true;
    lines[4] = JSON.stringify(cp);
    expect(failure(await verifyAudit(lines, { publicKey: keys.publicKey }))).toMatchObject({ reason: "bad_checkpoint_signature", seq: 3 });
    expect(await verifyAudit(lines)).toMatchObject({ ok: true, sealed: true, signaturesChecked: false });
  });
});

describe("verifyAudit: header and key", () => {
  it("bad_header: missing, altered genesis, unknown field, other version, second header, empty log", async () => {
    const lines = await log(2);
    const header = parse(lines[0]!);
    expect(failure(await verifyAudit(lines.slice(1)))).toMatchObject({ reason: "bad_header", seq: null, line: 1 });
    expect(failure(await verifyAudit([JSON.stringify({ ...header, genesis: "0".repeat(64) }), ...lines.slice(1)]))).toMatchObject({ reason: "bad_header", line: 1 });
    expect(failure(await verifyAudit([JSON.stringify({ ...header, created: "2020-01-01T00:00:00.000Z" }), ...lines.slice(1)]))).toMatchObject({ reason: "bad_header", message: expect.stringContaining("genesis") as string });
    expect(failure(await verifyAudit([JSON.stringify({ ...header, extra: 1 }), ...lines.slice(1)]))).toMatchObject({ reason: "bad_header" });
    expect(failure(await verifyAudit([JSON.stringify({ ...header, v: 2 }), ...lines.slice(1)]))).toMatchObject({ reason: "bad_header" });
    expect(failure(await verifyAudit([...lines.slice(0, 2), lines[0]!, ...lines.slice(2)]))).toMatchObject({ reason: "bad_header", line: 3 });
    expect(failure(await verifyAudit([]))).toMatchObject({ reason: "bad_header", line: 1, message: expect.stringContaining("empty") as string });
  });

  it("key_mismatch: another key, or an unsigned log, with a pinned key", async () => {
    const signed = await log(2, { signed: true });
    expect(failure(await verifyAudit(signed, { publicKey: generateAuditKeyPair().publicKey }))).toMatchObject({ reason: "key_mismatch", seq: null, line: 1 });
    expect(failure(await verifyAudit(await log(2), { publicKey: keys.publicKey }))).toMatchObject({ reason: "key_mismatch", line: 1 });
    // The private key works as a pin too (its public part is used).
    expect(await verifyAudit(signed, { publicKey: keys.privateKey })).toMatchObject({ ok: true, signaturesChecked: true });
  });

  it("an unusable key or concurrency is INVALID_OPTIONS", async () => {
    await expect(verifyAudit(await log(1), { publicKey: "nope" })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    await expect(verifyAudit(await log(1), { concurrency: 0 })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    await expect(verifyAudit(await log(1), { concurrency: 1.5 })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    expect(await verifyAudit(await log(1), { concurrency: 4 })).toMatchObject({ ok: true });
  });

  it("malformed lines: garbage, arrays, unknown types, re-serialised records, CRLF", async () => {
    const lines = await log(3);
    const at = (line: string): string[] => [...lines.slice(0, 2), line, ...lines.slice(2)];
    expect(failure(await verifyAudit(at("not json")))).toMatchObject({ reason: "malformed_line", seq: null, line: 3 });
    expect(failure(await verifyAudit(at("[1,2]")))).toMatchObject({ reason: "malformed_line", line: 3 });
    expect(failure(await verifyAudit(at('{"type":"note"}')))).toMatchObject({ reason: "malformed_line", line: 3 });
    const respelled = JSON.stringify(parse(lines[2]!), null, 1).replace(/\n/g, "");
    expect(failure(await verifyAudit([...lines.slice(0, 2), respelled, ...lines.slice(3)]))).toMatchObject({ reason: "malformed_line", seq: 2, line: 3 });
    // CRLF: the header still parses (\r is JSON whitespace); the first record is not its stored form.
    expect(failure(await verifyAudit(lines.map((l) => `${l}\r`)))).toMatchObject({ reason: "malformed_line", seq: 1, line: 2 });
  });
});

describe("verifyAudit: files", () => {
  const file = (name: string, content: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it("verifies a file, and names the line of a tampered record", async () => {
    const lines = await log(4);
    expect(await verifyAudit(file("ok.jsonl", lines.join("\n") + "\n"))).toMatchObject({ ok: true, records: 4 });
    lines[2] = lines[2]!.replace('"bot"', '"b0t"');
    expect(failure(await verifyAudit(file("bad.jsonl", lines.join("\n") + "\n")))).toMatchObject({ reason: "hash_mismatch", seq: 2, line: 3 });
  });

  it("a partial last line → truncated (accepted with allowOpen)", async () => {
    const lines = await log(3);
    const path = file("partial.jsonl", lines.slice(0, -1).join("\n") + "\n" + lines.at(-1)!.slice(0, 20));
    expect(failure(await verifyAudit(path))).toMatchObject({ reason: "truncated", seq: 3, line: 5, message: expect.stringContaining("incomplete") as string });
    expect(await verifyAudit(path, { allowOpen: true })).toMatchObject({ ok: true, records: 3, sealed: false });
  });

  it("reads across chunk boundaries and lines longer than a chunk", async () => {
    const sink = memoryAudit({ checkpointEvery: 1000 });
    for (let i = 0; i < 6000; i++) sink.append(i === 3000 ? { ...entry(i), args: { blob: "é".repeat(1_200_000) } } : entry(i));
    await sink.close();
    const lines = [...sink.lines()];
    expect(await verifyAudit(file("big.jsonl", lines.join("\n") + "\n"))).toMatchObject({ ok: true, records: 6000, checkpoints: 7 });
    const index = lines.findIndex((l) => l.includes('"call_id":"c5990"'));
    lines[index] = lines[index]!.replace('"c5990"', '"c5999"');
    expect(failure(await verifyAudit(file("big-bad.jsonl", lines.join("\n") + "\n")))).toMatchObject({ reason: "hash_mismatch", seq: 5991, line: index + 1 });
  });

  it("bytes that are not UTF-8 in a record → hash_mismatch", async () => {
    const lines = await log(2);
    const bytes = Buffer.from(lines.join("\n") + "\n", "utf8");
    const at = bytes.indexOf('"bot"', Buffer.byteLength(lines[0]! + "\n")) + 2;
    bytes[at] = 0xff;
    expect(failure(await verifyAudit(file("binary.jsonl", bytes)))).toMatchObject({ reason: "hash_mismatch", seq: 1, line: 2 });
  });

  it("an unreadable path is AUDIT_IO (missing file, directory)", async () => {
    await expect(verifyAudit(join(dir, "missing.jsonl"))).rejects.toMatchObject({ code: "AUDIT_IO" });
    await expect(verifyAudit(dir)).rejects.toMatchObject({ code: "AUDIT_IO" });
  });
});
