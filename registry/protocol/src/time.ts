/** Times on the wire (REGISTRY.md §4.1): RFC 3339 UTC with seconds precision, `YYYY-MM-DDTHH:MM:SSZ`. */

const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** True for a real instant written as `YYYY-MM-DDTHH:MM:SSZ` (no fraction, no offset, no leap second). */
export function isRfc3339Seconds(value: string): boolean {
  if (!RFC3339_SECONDS.test(value)) return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString() === `${value.slice(0, 19)}.000Z`;
}

/** Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`. */
export function formatRfc3339Seconds(unixSeconds: number): string {
  return `${new Date(unixSeconds * 1000).toISOString().slice(0, 19)}Z`;
}

/** Parses `YYYY-MM-DDTHH:MM:SSZ` to Unix seconds; `undefined` for anything else. */
export function parseRfc3339Seconds(value: string): number | undefined {
  return isRfc3339Seconds(value) ? Date.parse(value) / 1000 : undefined;
}
