import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import type { RewardRecordV1 } from "../integrity/record.js";
import { CONFIG_YAML, testConfig, testGuard, testSigner } from "../testing/fixtures/config.js";
import { episodeEvents, eventLines, rlVerify, type RlCliIo, type RlEvent, type VerifyReport } from "./index.js";

function capture(): { io: RlCliIo; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const sink = (add: (s: string) => void) => new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      add(chunk.toString());
      cb();
    },
  });
  return { io: { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env: {}, cwd: dir }, out: () => out, err: () => err };
}

let dir: string;
let events: RlEvent[];

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  c.io.env = env;
  const code = await rlVerify(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** Writes `evs` as a file and verifies it with the fixture key and config. */
async function verifyEvents(evs: readonly RlEvent[], extra: string[] = []): Promise<{ code: number; report: VerifyReport; err: string }> {
  const file = join(dir, `events-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, eventLines(evs));
  const r = await run([file, "--key", "pub.pem", "--json", ...extra]);
  return { code: r.code, report: JSON.parse(r.out || "null") as VerifyReport, err: r.err };
}

const clone = (e: readonly RlEvent[]): RlEvent[] => JSON.parse(JSON.stringify(e)) as RlEvent[];
const rewardOf = (evs: RlEvent[], rollout: string): RlEvent => {
  const e = evs.find((x) => x.event_type === "reward" && x.rollout_id === rollout);
  if (e === undefined) throw new Error(`no reward for ${rollout}`);
  return e;
};
const chainOf = (evs: RlEvent[], rollout: string): unknown[] => {
  const e = evs.find((x) => x.event_type === "agentgov.rl.chain" && x.rollout_id === rollout);
  if (e === undefined) throw new Error(`no chain for ${rollout}`);
  return e.data.records as unknown[];
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "rl-verify-"));
  writeFileSync(join(dir, "agentgov-rl.yaml"), CONFIG_YAML);
  writeFileSync(join(dir, "pub.pem"), testSigner().publicKey.export({ type: "spki", format: "pem" }));
  writeFileSync(join(dir, "other.pem"), generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }));
  // Episodes from the real guard: clean, violating (denied test-tamper), over two epochs, and a val episode.
  const guard = testGuard(testConfig());
  const runId = guard.config.run.id;
  events = [];
  const scripts: [string, "train" | "val", number, [string, Record<string, unknown>][]][] = [
    ["r1", "train", 0, [["read_file", { path: "src/app.py" }], ["edit_file", { path: "src/app.py" }], ["run_tests", {}], ["submit", {}]]],
    ["r2", "train", 0, [["read_file", { path: "src/app.py" }], ["edit_file", { path: "tests/test_app.py" }], ["submit", {}]]],
    ["r3", "train", 1, [["http_get", { url: "https://docs.example.com/x" }], ["submit", {}]]],
    ["v1", "val", 1, [["read_file", { path: "src/app.py" }]]],
  ];
  for (const [rolloutId, mode, epoch, calls] of scripts) {
    guard.setState({ epoch, penaltyScale: epoch === 0 ? 0.3 : 0.4 });
    const ep = guard.beginEpisode({ runId, rolloutId, attemptId: "0", mode });
    calls.forEach(([name, args], i) => {
      const g = ep.gate({ id: `c${i}`, name, args });
      if (g.permitted) ep.recordResult(`c${i}`, { ok: true });
    });
    let record: RewardRecordV1 | null = null;
    if (mode === "train") record = await ep.finish({ base: 1 });
    else ep.cancel("val episode");
    events.push(...episodeEvents({ rolloutId, attemptId: "0", records: ep.log.records(), record }));
  }
});

describe("agentgov rl verify", () => {
  it("accepts the honest file produced by the guard: one line per record, the val episode listed unchecked", async () => {
    const file = join(dir, "honest.jsonl");
    writeFileSync(file, eventLines(events));
    const r = await run(["honest.jsonl", "--key", "pub.pem"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines.filter((l) => l.startsWith("ok    "))).toHaveLength(3);
    expect(lines.some((l) => l.startsWith("-     v1/0  no reward record"))).toBe(true);
    expect(lines.at(-1)).toMatch(/^rl verify: OK — 3 of 3 reward records verified, 0 rejected \(run run-test, 1 trusted key\)$/);
    const j = await verifyEvents(events);
    expect(j.code).toBe(0);
    expect(j.report).toMatchObject({ ok: true, verified: 3, rejected: 0, run_id: "run-test", unsigned: [{ rollout_id: "v1", attempt_id: "0" }], errors: [], ignored: 4 });
    const r2 = j.report.records.find((x) => x.rollout_id === "r2");
    expect(r2?.final).toBeCloseTo(1 - 0.5 * 0.3, 12); // one high violation at σ = 0.3
    expect(readFileSync(file, "utf8").split("\n")[0]).toMatch(/^\{"rollout_id":"r1","attempt_id":"0","event_type":"agentgov.rl.chain","data":\{"v":1,"from":0,"records":\[/);
  });

  it("takes the key from AGENTGOV_RL_PUBKEY and the config from AGENTGOV_RL_CONFIG", async () => {
    writeFileSync(join(dir, "env.jsonl"), eventLines(events));
    writeFileSync(join(dir, "renamed.yaml"), CONFIG_YAML);
    const r = await run(["env.jsonl"], { AGENTGOV_RL_PUBKEY: "pub.pem", AGENTGOV_RL_CONFIG: "renamed.yaml" });
    expect(r.code).toBe(0);
    expect((await run(["env.jsonl", "--pub", "other.pem", "--pub", "pub.pem"])).code).toBe(0); // --pub: the design's name; any trusted key
    expect((await run(["env.jsonl", "--key", "other.pem"], { AGENTGOV_RL_PUBKEY: "pub.pem" })).code).toBe(1); // --key replaces the env key
  });

  it("tolerates identical re-posts (retries) of events", async () => {
    const evs = clone(events);
    const again = clone(events.filter((e) => e.rollout_id === "r2"));
    const { code, report } = await verifyEvents([...evs, ...again]);
    expect(code).toBe(0);
    expect(report.verified).toBe(3);
  });

  const tampered: [string, (evs: RlEvent[]) => RlEvent[], string, string][] = [
    ["a forged final in the record", (evs) => {
      (rewardOf(evs, "r2").data.agentgov as RewardRecordV1).final = 1;
      return evs;
    }, "r2", "bad-signature"],
    ["a reward value that is not the signed final", (evs) => {
      rewardOf(evs, "r2").data.value = 1;
      return evs;
    }, "r2", "rederive-mismatch"],
    ["a dropped chain record", (evs) => {
      chainOf(evs, "r2").splice(2, 1);
      return evs;
    }, "r2", "chain"],
    ["reordered chain records", (evs) => {
      const c = chainOf(evs, "r2");
      [c[1], c[2]] = [c[2], c[1]];
      return evs;
    }, "r2", "chain"],
    ["a rewritten logged argument", (evs) => {
      const rec = chainOf(evs, "r1")[1] as { args: { path: string } };
      rec.args.path = "src/other.py";
      return evs;
    }, "r1", "chain"],
    ["a record replayed into another rollout", (evs) => evs.map((e) => (e.rollout_id === "r1" ? { ...e, rollout_id: "r9" } : e)), "r9", "replay"],
    ["an unsigned reward", (evs) => {
      const data = rewardOf(evs, "r3").data;
      delete data.agentgov;
      return evs;
    }, "r3", "malformed"],
    ["a reward without its episode log", (evs) => evs.filter((e) => !(e.rollout_id === "r3" && e.event_type === "agentgov.rl.chain")), "r3", "chain"],
    ["a chain slice that conflicts with an earlier copy", (evs) => {
      const copy = clone(evs.filter((e) => e.rollout_id === "r1" && e.event_type === "agentgov.rl.chain"));
      (copy[0]?.data.records as { call_id?: string }[])[1]!.call_id = "zz";
      return [...evs, ...copy];
    }, "r1", "chain"],
    ["a chain slice that leaves a gap", (evs) => evs.map((e) => (e.rollout_id === "r1" && e.event_type === "agentgov.rl.chain" ? { ...e, data: { ...e.data, from: 3 } } : e)), "r1", "chain"],
  ];
  for (const [name, edit, rollout, reason] of tampered) {
    it(`rejects ${name} (${reason}), accepting the other records`, async () => {
      const { code, report } = await verifyEvents(edit(clone(events)));
      expect(code).toBe(1);
      expect(report.ok).toBe(false);
      const bad = report.records.filter((x) => !x.ok);
      expect(bad.map((x) => [x.rollout_id, x.reason])).toEqual([[rollout, reason]]);
      expect(report.verified).toBe(2);
    });
  }

  it("rejects a post_tool for a denied call (executed-after-deny)", async () => {
    const guard = testGuard(testConfig());
    const ep = guard.beginEpisode({ runId: guard.config.run.id, rolloutId: "x1", attemptId: "0", mode: "train" });
    ep.gate({ id: "c1", name: "edit_file", args: { path: "tests/test_app.py" } });
    expect(() => { ep.recordResult("c1", { ok: true }); }).toThrow();
    const record = await ep.finish({ base: 1 });
    const { code, report } = await verifyEvents(episodeEvents({ rolloutId: "x1", attemptId: "0", records: ep.log.records(), record }));
    expect(code).toBe(1);
    expect(report.records[0]?.reason).toBe("executed-after-deny");
  });

  it("rejects records signed by an untrusted key, and records of a phase version the config does not have", async () => {
    const file = join(dir, "k.jsonl");
    writeFileSync(file, eventLines(events));
    const other = await run([file, "--key", "other.pem", "--json"]);
    expect(other.code).toBe(1);
    expect((JSON.parse(other.out) as VerifyReport).records.map((x) => x.reason)).toEqual(["unknown-key", "unknown-key", "unknown-key"]);
    writeFileSync(join(dir, "changed.yaml"), CONFIG_YAML.replace("max_consecutive_denied: 3", "max_consecutive_denied: 4"));
    const stale = await run([file, "--key", "pub.pem", "--config", "changed.yaml", "--json"]);
    expect(stale.code).toBe(1);
    expect((JSON.parse(stale.out) as VerifyReport).records.map((x) => x.reason)).toEqual(["stale-policy", "stale-policy", "stale-policy"]);
  });

  it("rejects a penalty scale that goes down from one epoch to the next", async () => {
    const guard = testGuard(testConfig());
    const evs: RlEvent[] = [];
    for (const [rolloutId, epoch, sigma] of [["s1", 3, 0.5], ["s2", 4, 0.2]] as const) {
      guard.setState({ epoch, penaltyScale: sigma });
      const ep = guard.beginEpisode({ runId: guard.config.run.id, rolloutId, attemptId: "0", mode: "train" });
      const record = await ep.finish({ base: 0.5 });
      evs.push(...episodeEvents({ rolloutId, attemptId: "0", records: ep.log.records(), record }));
    }
    const { code, report } = await verifyEvents(evs);
    expect(code).toBe(1);
    expect(report.records.map((x) => [x.rollout_id, x.ok, x.reason])).toEqual([["s1", true, null], ["s2", false, "stale-policy"]]);
  });

  it("rejects malformed lines, and a file with no reward records", async () => {
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, `${eventLines(events)}not json\n{"event_type":"reward"}\n{"rollout_id":"r1","attempt_id":"0","event_type":"reward","data":{"value":1,"agentgov":{"final":1e400}}}\n`);
    const r = await run([file, "--key", "pub.pem"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL  line ${events.length + 1}: not JSON`);
    expect(r.out).toContain(`FAIL  line ${events.length + 2}: not an event`);
    expect(r.out).toContain(`FAIL  line ${events.length + 3}: holds a value canonical JSON cannot represent`);
    expect(r.out.trim().split("\n").at(-1)).toBe("rl verify: REJECTED — 3 of 3 reward records verified, 0 rejected; 3 malformed lines (run run-test, 1 trusted key)");
    const none = await verifyEvents(events.filter((e) => e.event_type !== "reward"));
    expect(none.code).toBe(1);
    expect(none.report).toMatchObject({ ok: false, verified: 0, rejected: 0 });
  });

  it("binds lines without ids through --rollout/--attempt, and refuses to guess", async () => {
    const one = events.filter((e) => e.rollout_id === "r1").map(({ rollout_id: _r, attempt_id: _a, ...rest }) => rest) as unknown as RlEvent[];
    expect((await verifyEvents(one, ["--rollout", "r1", "--attempt", "0"])).code).toBe(0);
    expect((await verifyEvents(one, ["--rollout", "r2", "--attempt", "0"])).report.records[0]?.reason).toBe("replay");
    const unbound = await verifyEvents(one);
    expect(unbound.code).toBe(1);
    expect(unbound.report.errors[0]?.detail).toMatch(/cannot be bound/);
  });

  it("reads one JSON array of events as well (numbered by position)", async () => {
    const one = events.filter((e) => e.rollout_id === "r2").map(({ rollout_id: _r, attempt_id: _a, ...rest }) => rest);
    writeFileSync(join(dir, "array.json"), `\uFEFF  ${JSON.stringify(one, null, 2)}\n`);
    const ok = await run(["array.json", "--key", "pub.pem", "--rollout", "r2", "--attempt", "0"]);
    expect(ok.code).toBe(0);
    expect(ok.out.startsWith("ok    r2/0  final 0.850")).toBe(true);
    writeFileSync(join(dir, "array-bad.json"), JSON.stringify([...one, 7]));
    const bad = await run(["array-bad.json", "--key", "pub.pem", "--rollout", "r2", "--attempt", "0"]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`FAIL  line ${one.length + 1}: not an event`);
    writeFileSync(join(dir, "array-broken.json"), "[{");
    expect((await run(["array-broken.json", "--key", "pub.pem"])).out).toContain("FAIL  line 1: not JSON");
  });

  it("exits 2 on usage errors and unreadable inputs", async () => {
    writeFileSync(join(dir, "u.jsonl"), eventLines(events));
    writeFileSync(join(dir, "bad.yaml"), "apiVersion: agentgov/v1\nkind: RlGuard\n");
    const cases: [string[], RegExp][] = [
      [[], /give exactly one events file/],
      [["u.jsonl"], /no trusted key/],
      [["u.jsonl", "--key", "pub.pem", "--bogus"], /Unknown option/],
      [["u.jsonl", "--key", "pub.pem", "--rollout", "r1"], /--rollout and --attempt go together/],
      [["missing.jsonl", "--key", "pub.pem"], /cannot read missing.jsonl/],
      [["u.jsonl", "--key", "nokey.pem"], /cannot read key/],
      [["u.jsonl", "--key", "agentgov-rl.yaml"], /unusable key/],
      [["u.jsonl", "--key", "pub.pem", "--config", "bad.yaml"], /configuration .*bad.yaml/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toMatch(message);
    }
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: agentgov rl verify/);
  });
});
