/**
 * Server call ids: UUID version 7 layout (48-bit millisecond time, then 74 random bits),
 * so ids issued one after another sort together and the audit's `call_id` index grows at
 * its end instead of touching a random page per record. The random bits come from a
 * buffer refilled 4 KiB at a time (one `randomFillSync` per 512 ids).
 */
import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** The time part of the last id (`xxxxxxxx-xxxx-`), rebuilt once per millisecond. */
let lastMs = -1;
let timePart = "";

/** A fresh call id, `xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx` (time-ordered, 74 random bits). */
export function newCallId(now: number = Date.now()): string {
  if (offset + 10 > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const r = offset;
  offset += 10;
  const ms = Math.max(0, Math.floor(now));
  if (ms !== lastMs) {
    const time = ms.toString(16).padStart(12, "0").slice(-12);
    timePart = `${time.slice(0, 8)}-${time.slice(8)}-`;
    lastMs = ms;
  }
  const b = (i: number): string => HEX[pool[r + i] ?? 0] ?? "00";
  const version = HEX[0x70 | ((pool[r] ?? 0) & 0x0f)] ?? "70";
  const variant = HEX[0x80 | ((pool[r + 2] ?? 0) & 0x3f)] ?? "80";
  return timePart + version + b(1) + "-" + variant + b(3) + "-" + b(4) + b(5) + b(6) + b(7) + b(8) + b(9);
}
