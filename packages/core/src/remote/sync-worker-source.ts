/**
 * Where the worker thread behind the remote kernel's synchronous `decide` lives, and the
 * numbers it shares with its caller. The worker is the plain CommonJS file `sync-worker.cjs`
 * next to this module (Node 20 cannot start a worker from a `.ts` file; the build copies the
 * file into dist/), never code built from a string.
 */

/** Slots of the shared control array. */
export const SLOT = { SEQ: 0, KIND: 1, STATUS: 2, LENGTH: 3 } as const;
/** What a finished request left in the buffer. */
export const KIND = { ANSWER: 0, UNAVAILABLE: 1, TIMEOUT: 2, OVERSIZED: 3 } as const;

/** The worker's file: `sync-worker.cjs` beside this module (in src/ and in dist/). */
export const SYNC_WORKER_URL = new URL("./sync-worker.cjs", import.meta.url);
