/**
 * Watches a policy directory: `fs.watch` events (debounced) and a periodic stat
 * fingerprint (for file systems where events are lost) both trigger a reload.
 */
import { watch, type FSWatcher } from "node:fs";
import { statFingerprint } from "./policy-dir.js";

/** Default debounce after a file-system event. */
export const DEFAULT_RELOAD_DEBOUNCE_MS = 100;
/** Default interval of the stat fallback. */
export const DEFAULT_RELOAD_POLL_MS = 2000;

/** Options of {@link watchPolicyDir}. */
export interface PolicyWatcherOptions {
  dir: string;
  onChange: () => void;
  debounceMs?: number;
  pollMs?: number;
}

/** Starts watching; returns a function that stops it. */
export function watchPolicyDir(options: PolicyWatcherOptions): () => void {
  const debounceMs = options.debounceMs ?? DEFAULT_RELOAD_DEBOUNCE_MS;
  let timer: NodeJS.Timeout | undefined;
  let fingerprint = statFingerprint(options.dir);
  const fire = (): void => {
    timer = undefined;
    fingerprint = statFingerprint(options.dir);
    options.onChange();
  };
  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
    timer.unref();
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(options.dir, { persistent: false }, schedule);
    watcher.on("error", () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined; // The stat fallback still notices changes.
  }
  const poll = setInterval(() => {
    if (statFingerprint(options.dir) !== fingerprint) schedule();
  }, options.pollMs ?? DEFAULT_RELOAD_POLL_MS);
  poll.unref();
  return () => {
    clearInterval(poll);
    if (timer !== undefined) clearTimeout(timer);
    watcher?.close();
  };
}
