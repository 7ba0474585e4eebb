/**
 * A few recently built record segments, each kept with the texts it was built from.
 *
 * Consecutive records repeat the same runs of fields (the same decision, `ext`, kind,
 * outcome and policy digest call after call). V8 keeps a concatenated string as a tree of
 * its pieces until something reads it whole; hashing a record body reads it whole, and
 * that walk costs per piece, not per byte. A segment that is already one flat string is
 * copied in one step, so a body built from a handful of remembered segments is cheaper to
 * hash than one built from every field's pieces.
 *
 * A segment is a pure function of its key texts, and a hit needs every key to be equal
 * (`===` on strings and Map keys compare content), so a remembered segment is always the
 * text that building it again would give. Memory is bounded: a {@link SegmentMemo} holds
 * {@link MEMO_SLOTS} segments and replaces the oldest; a {@link PairMemo} holds at most
 * {@link PAIR_MEMO_LIMIT} short segments and starts again when full.
 */

/** Segments a {@link SegmentMemo} remembers. */
export const MEMO_SLOTS = 8;

/** Builds a segment from its key texts (`undefined`: the field is absent) as pieces to join. */
export type SegmentPieces = (a: string, b: string | undefined, c: string | undefined, d: string | undefined, e: string | undefined) => string[];

interface Slot {
  a: string;
  b: string | undefined;
  c: string | undefined;
  d: string | undefined;
  e: string | undefined;
  text: string;
}

/** A bounded memo of segments built by one {@link SegmentPieces} function. */
export class SegmentMemo {
  readonly #pieces: SegmentPieces;
  readonly #slots: Slot[] = [];
  #oldest = 0;

  constructor(pieces: SegmentPieces) {
    this.#pieces = pieces;
  }

  /** The segment for these key texts: remembered, or built (as one flat string) and remembered. */
  get(a: string, b?: string, c?: string, d?: string, e?: string): string {
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i] as Slot;
      if (s.a === a && s.b === b && s.c === c && s.d === d && s.e === e) return s.text;
    }
    // join writes the pieces into one new flat string (concatenation would make a tree).
    const slot: Slot = { a, b, c, d, e, text: this.#pieces(a, b, c, d, e).join("") };
    if (slots.length < MEMO_SLOTS) slots.push(slot);
    else {
      slots[this.#oldest] = slot;
      this.#oldest = (this.#oldest + 1) % MEMO_SLOTS;
    }
    return slot.text;
  }
}

/** Most segments a {@link PairMemo} holds before it starts again. */
export const PAIR_MEMO_LIMIT = 4096;
/** Longest pair of key texts (in UTF-16 units) whose segment is remembered; longer ones are built each time. */
export const PAIR_MEMO_MAX_KEY_LENGTH = 256;

/**
 * A bounded memo of segments keyed by one or two texts, for runs of fields with many
 * distinct values that each repeat (agent and tool names): a map lookup per key instead of
 * a scan of a few slots.
 */
export class PairMemo {
  readonly #pieces: (a: string, b: string | undefined) => string[];
  readonly #byA = new Map<string, Map<string, string>>();
  #size = 0;

  constructor(pieces: (a: string, b: string | undefined) => string[]) {
    this.#pieces = pieces;
  }

  /** The segment for `a` and `b` (absent: undefined). */
  get(a: string, b?: string): string {
    // No canonical text is empty, so "" stands for an absent b.
    const bKey = b ?? "";
    let byB = this.#byA.get(a);
    const known = byB?.get(bKey);
    if (known !== undefined) return known;
    // join writes the pieces into one new flat string (concatenation would make a tree).
    const text = this.#pieces(a, b).join("");
    if (a.length + bKey.length > PAIR_MEMO_MAX_KEY_LENGTH) return text;
    if (this.#size >= PAIR_MEMO_LIMIT) {
      this.#byA.clear();
      this.#size = 0;
      byB = undefined;
    }
    if (byB === undefined) {
      byB = new Map();
      this.#byA.set(a, byB);
    }
    byB.set(bKey, text);
    this.#size++;
    return text;
  }
}
