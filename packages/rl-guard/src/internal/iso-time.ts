/**
 * `new Date(ms).toISOString()`, reusing the last string while the millisecond does not change
 * (as core's audit clock does): episodes that finish in the same millisecond share it.
 */

let lastMs = Number.NaN;
let lastIso = "";

/** ISO-8601 of `ms`. @throws RangeError for an invalid time, like `Date.prototype.toISOString`. */
export function isoTimeOf(ms: number): string {
  // NaN never equals itself, so an invalid time always reaches toISOString (and throws).
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
