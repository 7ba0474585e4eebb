/** Repeats a task at an interval: never two runs at once, paused while the tab is hidden. */

/** A running poller. */
export interface Poller {
  /** Runs the task now (or right after the current run). */
  now(): void;
  stop(): void;
}

/** Starts polling `task` every `intervalMs` (after each run ends). The first run is immediate. */
export function startPoller(task: () => Promise<void>, intervalMs: number): Poller {
  let stopped = false;
  let running = false;
  let again = false;
  let timer: number | undefined;

  const schedule = (): void => {
    window.clearTimeout(timer);
    if (!stopped) timer = window.setTimeout(run, intervalMs);
  };
  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (document.hidden) {
      schedule();
      return;
    }
    running = true;
    void task()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        } else schedule();
      });
  };
  const onVisible = (): void => {
    if (!document.hidden) run();
  };
  document.addEventListener("visibilitychange", onVisible);
  run();
  return {
    now: run,
    stop() {
      stopped = true;
      window.clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}
