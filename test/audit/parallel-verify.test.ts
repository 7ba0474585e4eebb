/**
 * Large files are verified in parallel segments by worker threads, which exist only in the
 * built package: this suite imports `@agentgov/core/audit` from dist/ (`npm run build`
 * first) and checks that the parallel verdict equals the single-pass verdict, for an
 * intact log and for tampering around every place a segment can start.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAuditKeyPair, memoryAudit, verifyAudit, type AuditKeyPair } from "../../packages/core/dist/audit/index.js";

/** Mirrors verify-file.ts: parallel from 32 MiB, segments of at least 16 MiB, 8 MiB head start for a cold worker. */
const MIB = 1 << 20;
const HEAD_START = 8 * MIB;

let dir = "";
let keys: AuditKeyPair;
let lines: string[] = [];
let offsets: number[] = []; // byte offset of each line

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentgov-parallel-"));
  keys = generateAuditKeyPair();
  const sink = memoryAudit({ signingKey: keys.privateKey, checkpointEvery: 500 });
  for (let i = 1; i <= 60_000; i++) {
    sink.append({
      kind: "decision",
      agent: "bench-agent",
      stage: "pre_tool",
      tool: "query_database",
      call_id: `call-${String(i)}`,
      run_id: "run-1",
      args: { query: `SELECT id, name FROM customers WHERE id = ${String(i)}`, note: "x".repeat(300) },
      decision: { allowed: true, action: "allow", matched_rule: "r", policy: "p", code: "rule" },
      policy_digest: "3b5d7f9a1c2e4f6081a3c5e7f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5f7",
    });
  }
  await sink.close();
  lines = [...sink.lines()];
  let at = 0;
  offsets = lines.map((line) => {
    const start = at;
    at += Buffer.byteLength(line) + 1;
    return start;
  });
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function write(content: readonly string[]): string {
  const path = join(dir, `log-${String(++n)}.jsonl`);
  writeFileSync(path, content.join("\n") + "\n");
  return path;
}

/** Index of the first record line starting after byte `target` (where a segment would start). */
function segmentStart(target: number): number {
  let i = offsets.findIndex((o) => o > target);
  while (lines[i]!.startsWith('{"type"')) i++;
  return i;
}

async function sameVerdict(path: string, concurrency: number): Promise<void> {
  const publicKey = keys.publicKey;
  const single = await verifyAudit(path, { publicKey, concurrency: 1 });
  const parallel = await verifyAudit(path, { publicKey, concurrency });
  expect(parallel).toEqual(single);
}

describe("verifyAudit in parallel segments (built package)", () => {
  it("the test log is large enough to be split", () => {
    const size = offsets.at(-1)! + Buffer.byteLength(lines.at(-1)!) + 1;
    expect(size).toBeGreaterThan(48 * MIB);
    expect(size).toBeLessThan(64 * MIB);
  });

  it("an intact log: same verdict with 1, 2 and 3 threads, twice (cold and warm workers)", async () => {
    const path = write(lines);
    for (const concurrency of [2, 3, 2, 3]) await sameVerdict(path, concurrency);
    const result = await verifyAudit(path, { publicKey: keys.publicKey, concurrency: 3 });
    expect(result).toMatchObject({ ok: true, records: 60_000, sealed: true, signaturesChecked: true });
    expect(result.checkpoints).toBe(121);
    expect(statSync(path).size).toBeGreaterThan(32 * MIB);
  }, 60_000);

  it("tampering around every possible segment start gives the single-pass verdict", async () => {
    const size = offsets.at(-1)! + Buffer.byteLength(lines.at(-1)!) + 1;
    const starts = new Set<number>();
    for (const segments of [2, 3]) {
      for (const head of [0, HEAD_START]) {
        for (let k = 1; k < segments; k++) starts.add(segmentStart(head + Math.floor(((size - head) * k) / segments)));
      }
    }
    const variants: [string, (l: string[], i: number) => void][] = [
      ["delete the first record of the segment", (l, i) => l.splice(i, 1)],
      ["delete the record before it", (l, i) => l.splice(i - 1, 1)],
      ["modify it", (l, i) => (l[i] = l[i]!.replace("customers", "cust0mers"))],
      ["swap it with the previous line", (l, i) => ([l[i - 1], l[i]] = [l[i]!, l[i - 1]!])],
      ["insert a copy of it", (l, i) => l.splice(i, 0, l[i]!)],
      ["make the previous line garbage", (l, i) => (l[i - 1] = "garbage")],
    ];
    let checked = 0;
    for (const start of starts) {
      for (const [name, tamper] of variants) {
        const copy = [...lines];
        tamper(copy, start);
        const path = write(copy);
        const single = await verifyAudit(path, { publicKey: keys.publicKey, concurrency: 1 });
        expect([name, single.ok]).toEqual([name, false]);
        for (const concurrency of [2, 3]) {
          expect([name, concurrency, await verifyAudit(path, { publicKey: keys.publicKey, concurrency })]).toEqual([name, concurrency, single]);
        }
        rmSync(path);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  }, 240_000);

  it("truncation and a bad signature in the last segment give the single-pass verdict", async () => {
    const truncated = lines.slice(0, -30);
    await sameVerdict(write(truncated), 3);
    const forged = [...lines];
    const last = JSON.parse(forged.at(-1)!) as { sig: string };
    last.sig = Buffer.alloc(64, 1).toString("base64");
    forged[forged.length - 1] = JSON.stringify(last);
    await sameVerdict(write(forged), 3);
    const partial = write(lines);
    writeFileSync(partial, lines.join("\n") + "\n" + lines.at(-2)!.slice(0, 50));
    await sameVerdict(partial, 3);
  }, 60_000);
});
