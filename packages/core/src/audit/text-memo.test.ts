import { describe, expect, it } from "vitest";
import { MEMO_SLOTS, PAIR_MEMO_LIMIT, PAIR_MEMO_MAX_KEY_LENGTH, PairMemo, SegmentMemo } from "./text-memo.js";

function counting(): { memo: SegmentMemo; builds: () => number } {
  let n = 0;
  const memo = new SegmentMemo((a, b, c, d, e) => {
    n++;
    return ["<", a, "|", b ?? "-", "|", c ?? "-", "|", d ?? "-", "|", e ?? "-", ">"];
  });
  return { memo, builds: () => n };
}

describe("SegmentMemo", () => {
  it("returns the joined pieces, and the remembered text for the same keys without building again", () => {
    const { memo, builds } = counting();
    const first = memo.get("a", "b", undefined, "d", "e");
    expect(first).toBe("<a|b|-|d|e>");
    expect(memo.get("a", "b", undefined, "d", "e")).toBe(first);
    expect(builds()).toBe(1);
  });

  it("builds again when any one key differs, including a present key against an absent one", () => {
    const { memo, builds } = counting();
    memo.get("a", "b", "c", "d", "e");
    expect(memo.get("a", "b", "c", "d", "x")).toBe("<a|b|c|d|x>");
    expect(memo.get("x", "b", "c", "d", "e")).toBe("<x|b|c|d|e>");
    expect(memo.get("a", "b", undefined, "d", "e")).toBe("<a|b|-|d|e>");
    expect(memo.get("a", "b", "-", "d", "e")).toBe("<a|b|-|d|e>");
    expect(builds()).toBe(5);
  });

  it("matches keys by content, not by identity", () => {
    const { memo, builds } = counting();
    const built = ["ke", "y"].join("");
    memo.get(built);
    expect(memo.get("key")).toBe("<key|-|-|-|->");
    expect(builds()).toBe(1);
  });

  it(`remembers at most ${MEMO_SLOTS} segments, replacing the oldest`, () => {
    const { memo, builds } = counting();
    for (let i = 0; i <= MEMO_SLOTS; i++) memo.get(`k${String(i)}`);
    expect(builds()).toBe(MEMO_SLOTS + 1);
    memo.get(`k${String(MEMO_SLOTS)}`); // the newest is remembered
    expect(builds()).toBe(MEMO_SLOTS + 1);
    expect(memo.get("k0")).toBe("<k0|-|-|-|->"); // the oldest was replaced: built again
    expect(builds()).toBe(MEMO_SLOTS + 2);
  });
});

function countingPairs(): { memo: PairMemo; builds: () => number } {
  let n = 0;
  const memo = new PairMemo((a, b) => {
    n++;
    return b === undefined ? ["(", a, ")"] : ["(", a, ",", b, ")"];
  });
  return { memo, builds: () => n };
}

describe("PairMemo", () => {
  it("remembers a segment per pair, telling an absent second key from a present one", () => {
    const { memo, builds } = countingPairs();
    expect(memo.get("a", "b")).toBe("(a,b)");
    expect(memo.get("a")).toBe("(a)");
    expect(memo.get("a", "c")).toBe("(a,c)");
    expect(memo.get("x", "b")).toBe("(x,b)");
    expect(builds()).toBe(4);
    expect([memo.get("a", "b"), memo.get("a"), memo.get("a", "c"), memo.get("x", "b")]).toEqual(["(a,b)", "(a)", "(a,c)", "(x,b)"]);
    expect(builds()).toBe(4);
  });

  it("builds a segment with long keys every time, and still right", () => {
    const { memo, builds } = countingPairs();
    const long = "k".repeat(PAIR_MEMO_MAX_KEY_LENGTH);
    expect(memo.get(long, "b")).toBe(`(${long},b)`);
    expect(memo.get(long, "b")).toBe(`(${long},b)`);
    expect(builds()).toBe(2);
  });

  it(`holds at most ${PAIR_MEMO_LIMIT} segments: the next one starts it again`, () => {
    const { memo, builds } = countingPairs();
    for (let i = 0; i < PAIR_MEMO_LIMIT; i++) memo.get(`a${String(i % 7)}`, `b${String(i)}`);
    memo.get("a0", "b0");
    expect(builds()).toBe(PAIR_MEMO_LIMIT); // all remembered
    memo.get("new", "pair"); // full: starts again with this one
    memo.get("a0", "b0");
    expect(builds()).toBe(PAIR_MEMO_LIMIT + 2);
    expect(memo.get("new", "pair")).toBe("(new,pair)");
    expect(builds()).toBe(PAIR_MEMO_LIMIT + 2);
  });
});
