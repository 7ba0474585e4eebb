/** Injectable time (REGISTRY.md §4.8 schedules): a clock in Unix seconds and a repeating timer. */

/** The current time in whole Unix seconds. */
export interface Clock {
  now(): number;
}

/** Runs `fn` every `ms` milliseconds until the returned function is called. */
export type Every = (ms: number, fn: () => void) => () => void;

/** The system clock. */
export const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000) };

/** `setInterval`, unref'd so that it never keeps the process alive. */
export const systemEvery: Every = (ms, fn) => {
  const handle = setInterval(fn, ms);
  handle.unref();
  return () => { clearInterval(handle); };
};
