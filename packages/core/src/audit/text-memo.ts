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
 * (`===` on strings compares their content), so a remembered segment is always the text
 * that building it again would give. Memory is bounded: a memo holds {@link MEMO_SLOTS}
 * segments and replaces the oldest.
 */

/** Segments each memo remembers. */
export const MEMO_SLOTS = 4;

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
