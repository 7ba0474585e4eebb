/**
 * The durable kill switch (RL-GUARD.md §8): core's kill-switch guard, persisted atomically
 * (temp file, fsync, rename), surviving restarts until `reset`, watched across processes.
 * Fails closed: an unreadable or corrupt state file reads as `killed`.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unwatchFile, watchFile, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { KillSwitch } from "@agentgov/core";
import { isObject } from "../internal/canonical.js";

/** Kill-switch states. */
export type KillStateName = "running" | "paused" | "killed";

/** The persisted state (wire object). */
export interface KillState {
  v: 1;
  state: KillStateName;
  reason: string;
  operator: string | null;
  at: string;
}

/** A core {@link KillSwitch} with a durable state machine. */
export interface RlKillSwitch extends KillSwitch {
  /** The current state. */
  state(): KillState;
  /** `running` → `paused`: decisions deny until resumed (`resume`). */
  pause(reason: string): void;
  /** Back to `running` from `paused`; a `killed` switch needs `reset`. */
  resume(reason: string): void;
  /** Leaves `killed` (operator action, logged in the state file). */
  reset(reason: string, operator: string): void;
  /** Calls `listener` whenever the switch engages (also for a kill from another process). */
  onEngage(listener: (state: KillState) => void): () => void;
  /** Re-reads the state file now (the watcher does this every `pollMs`). */
  refresh(): void;
  /** Stops watching the file. */
  close(): void;
}

/** Options of {@link createRlKillSwitch}. */
export interface RlKillSwitchOptions {
  /** Where the state lives; null keeps it in memory only. */
  stateFile: string | null;
  /** Poll interval of the file watch (default 1000 ms); 0 disables watching. */
  pollMs?: number;
  clock?: () => number;
}

/** Creates (or restores) the durable kill switch. */
export function createRlKillSwitch(options: RlKillSwitchOptions): RlKillSwitch {
  const clock = options.clock ?? Date.now;
  const file = options.stateFile;
  const listeners = new Set<(s: KillState) => void>();
  const make = (state: KillStateName, reason: string, operator: string | null): KillState => ({ v: 1, state, reason, operator, at: new Date(clock()).toISOString() });
  let current: KillState = file === null ? make("running", "", null) : readState(file, make);

  const notify = (): void => {
    if (current.state === "running") return;
    for (const l of [...listeners]) {
      try {
        l(current);
      } catch {
        // A listener's failure must not keep the switch from engaging elsewhere.
      }
    }
  };
  const set = (next: KillState): void => {
    const wasEngaged = current.state !== "running";
    if (next.state === "running") {
      // Leaving an engaged state needs the durable write first: a failed write keeps it engaged.
      if (file !== null) writeState(file, next);
      current = next;
      return;
    }
    // Engaging takes effect in memory first, so a failing disk cannot keep it from stopping calls.
    current = next;
    if (!wasEngaged) notify();
    if (file !== null) writeState(file, next);
  };
  const refresh = (): void => {
    if (file === null) return;
    const next = readState(file, make);
    const wasEngaged = current.state !== "running";
    current = next;
    if (!wasEngaged) notify();
  };
  const pollMs = options.pollMs ?? 1000;
  if (file !== null && pollMs > 0) watchFile(file, { interval: pollMs, persistent: false }, refresh);

  return {
    get engaged() {
      return current.state !== "running";
    },
    get reason() {
      return current.reason;
    },
    engage(reason) {
      set(make("killed", reason, null));
    },
    release() {
      if (current.state === "paused") set(make("running", "released", null));
    },
    state: () => ({ ...current }),
    pause(reason) {
      if (current.state === "running") set(make("paused", reason, null));
    },
    resume(reason) {
      if (current.state === "paused") set(make("running", reason, null));
    },
    reset(reason, operator) {
      set(make("running", reason, operator));
    },
    onEngage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refresh,
    close() {
      if (file !== null) unwatchFile(file, refresh);
    },
  };
}

function readState(file: string, make: (s: KillStateName, reason: string, op: string | null) => KillState): KillState {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return make("running", "", null);
    return make("killed", `kill-switch state file unreadable (${(error as NodeJS.ErrnoException).code ?? "error"}): failing closed`, null);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (isObject(v) && v.v === 1 && (v.state === "running" || v.state === "paused" || v.state === "killed") && typeof v.reason === "string" && typeof v.at === "string" && (v.operator === null || typeof v.operator === "string")) {
      return { v: 1, state: v.state, reason: v.reason, operator: v.operator, at: v.at };
    }
  } catch {
    // fall through: corrupt
  }
  return make("killed", "kill-switch state file is corrupt: failing closed", null);
}

function writeState(file: string, state: KillState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(state)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
