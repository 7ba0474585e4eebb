import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AgentGovError } from "../errors.js";
import { generateAuditKeyPair, jsonlAudit, verifyAudit, type AuditEntry, type JsonlAuditSink } from "./index.js";
import { auditEntry } from "../testing/fixtures/audit-entry.js";

let dir = "";
let n = 0;
const fresh = (): string => join(dir, `log-${String(++n)}.jsonl`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentgov-jsonl-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function entry(i: number): AuditEntry {
  return auditEntry(i, { args: { q: `ünïcödé ${String(i)} 😀` } });
}

const lines = (path: string): string[] => readFileSync(path, "utf8").split("\n").filter((l) => l !== "");
const recordLines = (path: string): string[] => lines(path).filter((l) => !l.startsWith('{"type"'));

function thrown(fn: () => unknown): AgentGovError | undefined {
  try {
    fn();
  } catch (error) {
    return error as AgentGovError;
  }
  return undefined;
}

describe("jsonlAudit: group commit", () => {
  it("append is synchronous and buffers; flush() puts every record on disk", async () => {
    const path = fresh();
    const sink = jsonlAudit(path, { flushIntervalMs: 60_000 });
    const records = [sink.append(entry(1)), sink.append(entry(2)), sink.append(entry(3))];
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(recordLines(path)).toHaveLength(0); // the long interval has not elapsed
    await sink.flush();
    expect(recordLines(path).map((l) => JSON.parse(l) as unknown)).toEqual(records);
    expect(JSON.parse(lines(path)[0]!)).toMatchObject({ type: "header", v: 1, genesis: sink.header.genesis });
    await sink.close();
  });

  it("writes on the interval without an explicit flush", async () => {
    const path = fresh();
    const sink = jsonlAudit(path, { flushIntervalMs: 1 });
    sink.append(entry(1));
    sink.append(entry(2));
    await vi.waitFor(() => {
      expect(recordLines(path)).toHaveLength(2);
    }, { timeout: 5_000, interval: 5 });
    await sink.close();
  });

  it("close() flushes, appends a final checkpoint, closes, and refuses appends with AUDIT_CLOSED", async () => {
    const path = fresh();
    const sink = jsonlAudit(path, { flushIntervalMs: 60_000, checkpointEvery: 2 });
    for (let i = 0; i < 3; i++) sink.append(entry(i));
    const closing = sink.close();
    expect(sink.state()).toBe("closing");
    expect(thrown(() => sink.append(entry(9)))?.code).toBe("AUDIT_CLOSED");
    await closing;
    expect(sink.state()).toBe("closed");
    expect(sink.close()).toBe(closing);
    await expect(sink.flush()).resolves.toBeUndefined();
    const all = lines(path).map((l) => JSON.parse(l) as { type?: string; seq: number; final?: boolean });
    expect(all.map((l) => l.type ?? l.seq)).toEqual(["header", 1, 2, "checkpoint", 3, "checkpoint"]);
    expect(all.at(-1)).toMatchObject({ type: "checkpoint", seq: 3, final: true });
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 3, sealed: true, checkpoints: 2 });
  });

  it("fsync: false still writes the same log", async () => {
    const path = fresh();
    const sink = jsonlAudit(path, { fsync: false });
    for (let i = 0; i < 10; i++) sink.append(entry(i));
    await sink.close();
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 10 });
  });

  it("bounds the records waiting for the disk: past maxBufferedRecords append throws AUDIT_UNAVAILABLE", async () => {
    const path = fresh();
    const sink = jsonlAudit(path, { flushIntervalMs: 60_000, maxBufferedRecords: 3 });
    for (let i = 0; i < 3; i++) sink.append(entry(i));
    const error = thrown(() => sink.append(entry(3)));
    expect(error?.code).toBe("AUDIT_UNAVAILABLE");
    expect(error?.message).toMatch(/maxBufferedRecords/);
    expect(sink.head().seq).toBe(3); // the refused entry took no seq
    await sink.flush();
    expect(sink.append(entry(4)).seq).toBe(4);
    await sink.close();
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 4 });
  });

  it("writes a large burst (several buffers, long lines) in order", async () => {
    const path = fresh();
    const sink = jsonlAudit(path, { flushIntervalMs: 60_000 });
    const big = { ...entry(0), args: { blob: "x".repeat(1_500_000) } };
    for (let i = 0; i < 3000; i++) sink.append(i === 1500 ? big : entry(i));
    await sink.close();
    const result = await verifyAudit(path);
    expect(result).toMatchObject({ ok: true, records: 3000, lastSeq: 3000, sealed: true });
    expect(statSync(path).size).toBeGreaterThan(1_500_000);
  });

  it("creates the parent directory", async () => {
    const path = join(dir, "nested", "deeper", "audit.jsonl");
    const sink = jsonlAudit(path);
    await sink.close();
    expect(existsSync(path)).toBe(true);
  });

  it("refuses a second sink on the same path in this process, and allows it after close", async () => {
    const path = fresh();
    const sink = jsonlAudit(path);
    expect(thrown(() => jsonlAudit(path))?.code).toBe("AUDIT_IO");
    await sink.close();
    await jsonlAudit(path).close();
  });

  it("rejects invalid options with INVALID_OPTIONS", () => {
    for (const options of [{ flushIntervalMs: -1 }, { maxBufferedRecords: 0 }, { checkpointEvery: 1.5 }, { signingKey: "not a key" }]) {
      expect(thrown(() => jsonlAudit(fresh(), options))?.code).toBe("INVALID_OPTIONS");
    }
  });
});

describe("jsonlAudit: continuing an existing log", () => {
  it("continues the chain of a closed log (one header, gapless seqs, verifies)", async () => {
    const path = fresh();
    const first = jsonlAudit(path);
    for (let i = 0; i < 3; i++) first.append(entry(i));
    await first.close();
    const second = jsonlAudit(path);
    expect(second.header).toEqual(first.header);
    expect(second.head()).toEqual(first.head());
    expect(second.append(entry(3))).toMatchObject({ seq: 4, prev: first.head().hash });
    await second.close();
    expect(lines(path).filter((l) => l.includes('"type":"header"'))).toHaveLength(1);
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 4, lastSeq: 4, sealed: true, checkpoints: 2 });
  });

  it("continues after a crash without close (no final checkpoint), and after a periodic checkpoint", async () => {
    const path = fresh();
    const keys = generateAuditKeyPair();
    const crashed = jsonlAudit(path, { signingKey: keys.privateKey, checkpointEvery: 2 });
    for (let i = 0; i < 4; i++) crashed.append(entry(i));
    await crashed.flush(); // on disk, never closed: the file ends with a periodic checkpoint
    expect(lines(path).at(-1)).toContain('"final":false');
    const copy = `${path}.copy`;
    writeFileSync(copy, readFileSync(path));
    const resumed = jsonlAudit(copy, { signingKey: keys.privateKey, checkpointEvery: 2 });
    expect(resumed.head()).toEqual(crashed.head());
    resumed.append(entry(4));
    await resumed.close();
    await crashed.close();
    expect(await verifyAudit(copy, { publicKey: keys.publicKey })).toMatchObject({ ok: true, records: 5, sealed: true, signaturesChecked: true });
  });

  it("continues a log that has only a header, and treats an empty file as new", async () => {
    const path = fresh();
    await jsonlAudit(path).close();
    writeFileSync(path, `${lines(path)[0]!}\n`); // header only
    const sink = jsonlAudit(path);
    expect(sink.append(entry(1)).prev).toBe(sink.header.genesis);
    await sink.close();
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 1 });

    const empty = fresh();
    writeFileSync(empty, "");
    const fromEmpty = jsonlAudit(empty);
    fromEmpty.append(entry(1));
    await fromEmpty.close();
    expect(await verifyAudit(empty)).toMatchObject({ ok: true, records: 1 });
  });

  it("refuses to continue a corrupt log with AUDIT_IO", async () => {
    const path = fresh();
    const keys = generateAuditKeyPair();
    const sink = jsonlAudit(path, { signingKey: keys.privateKey });
    for (let i = 0; i < 3; i++) sink.append(entry(i));
    await sink.flush(); // ends with record 3, no checkpoint
    await sink.close();
    const good = readFileSync(path, "utf8");
    const goodLines = good.split("\n");
    const variants: [string, string, RegExp][] = [
      ["garbage", "not json at all\n", /header/],
      ["partial last line", good.slice(0, -10), /incomplete/],
      ["modified last record", [...goodLines.slice(0, 3), goodLines[3]!.replace('"bot"', '"BOT"')].join("\n") + "\n", /damaged/],
      ["checkpoint not matching", goodLines.slice(0, 3).join("\n") + "\n" + goodLines[4]! + "\n", /does not match/],
      ["bad header", good.replace('"v":1', '"v":2'), /header/],
      ["a header at the end", good + goodLines[0]! + "\n", /neither a record nor a checkpoint/],
    ];
    for (const [name, content, message] of variants) {
      const bad = `${path}.${name.replace(/ /g, "-")}`;
      writeFileSync(bad, content);
      const error = thrown(() => jsonlAudit(bad, { signingKey: keys.privateKey }));
      expect([name, error?.code]).toEqual([name, "AUDIT_IO"]);
      expect(error?.message).toMatch(message);
      expect(readFileSync(bad, "utf8")).toBe(content); // nothing written
    }
  });

  it("reads only the header and the end: damage earlier in the file is left to verifyAudit", async () => {
    const path = fresh();
    const sink = jsonlAudit(path);
    for (let i = 0; i < 3; i++) sink.append(entry(i));
    await sink.close();
    writeFileSync(path, readFileSync(path, "utf8").replace('"call_id":"c0"', '"call_id":"cX"'));
    const resumed = jsonlAudit(path);
    await resumed.close();
    expect((await verifyAudit(path)).error).toMatchObject({ reason: "hash_mismatch", seq: 1, line: 2 });
  });

  it("refuses to continue with another key, or without the log's key", async () => {
    const path = fresh();
    const keys = generateAuditKeyPair();
    await jsonlAudit(path, { signingKey: keys.privateKey }).close();
    expect(thrown(() => jsonlAudit(path, { signingKey: generateAuditKeyPair().privateKey }))?.message).toMatch(/not by the given signingKey/);
    expect(thrown(() => jsonlAudit(path))?.message).toMatch(/no signingKey was given/);
    const unsigned = fresh();
    await jsonlAudit(unsigned).close();
    expect(thrown(() => jsonlAudit(unsigned, { signingKey: keys.privateKey }))?.message).toMatch(/unsigned/);
  });

  it("refuses a log whose last checkpoint is not signed by the signing key", async () => {
    const path = fresh();
    const keys = generateAuditKeyPair();
    const sink = jsonlAudit(path, { signingKey: keys.privateKey });
    sink.append(entry(1));
    await sink.close();
    const content = readFileSync(path, "utf8");
    const forged = content.replace(/"sig":"([A-Za-z0-9+/])/, (_m, c: string) => `"sig":"${c === "A" ? "B" : "A"}`);
    writeFileSync(path, forged);
    expect(thrown(() => jsonlAudit(path, { signingKey: keys.privateKey }))?.message).toMatch(/not validly signed/);
  });
});

describe("jsonlAudit: failure is closed", () => {
  const hasDevFull = existsSync("/dev/full");

  it.runIf(hasDevFull)("a failed write (ENOSPC on /dev/full) fails flush() and every later append with AUDIT_UNAVAILABLE", async () => {
    const sink: JsonlAuditSink = jsonlAudit("/dev/full", { flushIntervalMs: 60_000 });
    expect(sink.append(entry(1)).seq).toBe(1); // buffered: the device has not been written yet
    const flushed = await sink.flush().then(() => undefined, (error: unknown) => error as AgentGovError);
    expect(flushed?.code).toBe("AUDIT_UNAVAILABLE");
    expect(flushed?.message).toMatch(/ENOSPC/);
    expect(sink.state()).toBe("failed");
    const error = thrown(() => sink.append(entry(2)));
    expect(error?.code).toBe("AUDIT_UNAVAILABLE");
    expect(error?.cause).toMatchObject({ code: "ENOSPC" });
    await expect(sink.flush()).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
    await expect(sink.close()).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
  });

  it.runIf(hasDevFull)("a failure in a background (interval) write is seen by the next append", async () => {
    const sink = jsonlAudit("/dev/full", { flushIntervalMs: 1 });
    sink.append(entry(1));
    await vi.waitFor(() => {
      expect(sink.state()).toBe("failed");
    }, { timeout: 5_000, interval: 5 });
    expect(thrown(() => sink.append(entry(2)))?.code).toBe("AUDIT_UNAVAILABLE");
    await expect(sink.close()).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
  });

  it("this machine has /dev/full (the failure tests above need it)", () => {
    expect(hasDevFull).toBe(true);
  });

  it("a path that cannot be opened is AUDIT_IO at creation", () => {
    const file = fresh();
    writeFileSync(file, "");
    expect(thrown(() => jsonlAudit(join(file, "sub", "log.jsonl")))?.code).toBe("AUDIT_IO"); // parent is a file
    expect(thrown(() => jsonlAudit(dir))?.code).toBe("AUDIT_IO"); // a directory
  });

  it("keeps appending after an unrelated file of the same directory is damaged", async () => {
    const path = fresh();
    const sink = jsonlAudit(path);
    sink.append(entry(1));
    appendFileSync(fresh(), "garbage");
    await sink.close();
    expect(await verifyAudit(path)).toMatchObject({ ok: true });
  });
});
