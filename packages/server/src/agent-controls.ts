/**
 * Operator controls: the global kill switch and per-agent kill and quarantine, persisted
 * to a JSON file in the data directory (atomic write) and restored on start.
 *
 * A change that stops more (kill, quarantine) takes effect in memory first, so it holds
 * for the next decision even if persisting or auditing it fails (the result says so). A
 * change that stops less (release) is persisted and audited first, and refused otherwise.
 */
import { readFileSync } from "node:fs";
import type { AgentKillSwitch, Quarantine } from "@agentgov/core";
import { writeFileAtomic } from "./atomic-file.js";
import { messageOf, ServerError } from "./errors.js";

/** The state file name inside the data directory. */
export const AGENTS_FILE = "agents.json";
/** Most agents that can be killed or quarantined at once. */
export const MAX_CONTROLLED_AGENTS = 100_000;

/** What holds an agent (or, for `*`, everything). */
export type ControlState = "active" | "killed" | "quarantined";

/** One hold, as persisted. */
export interface Hold {
  state: Exclude<ControlState, "active">;
  reason: string;
  /** Who set it (the token id). */
  by: string;
  at: string;
}

/** A requested change. `agent` null is the global kill switch. */
export interface ControlChange {
  op: "kill" | "quarantine" | "release";
  agent: string | null;
  reason: string;
  by: string;
}

/** What a change did. */
export interface ControlResult {
  /** The agent id, or `*` for the global switch. */
  target: string;
  previous: ControlState;
  state: ControlState;
  changed: boolean;
  /** True when the new state is in the state file (a restart keeps it). */
  persisted: boolean;
  /** True when the change is in the audit log. */
  audited: boolean;
}

/** Persisted operator controls. */
export interface AgentControls {
  /** The per-agent kill hold of `agentId` (the kernel's kill switch denies it too: every hold lives in the kernel's guards). */
  killedReason(agentId: string): string | undefined;
  /** Applies a change; `audit` records it (and throws when the log refuses). */
  change(change: ControlChange, audit: (result: ControlResult, hold: Hold | null) => void): ControlResult;
  /** Every hold: `*` for the global switch, then agents. */
  list(): Record<string, Hold>;
}

interface StateFile {
  v: 1;
  holds: Record<string, Hold>;
}

/** Options of {@link openAgentControls}. */
export interface AgentControlsOptions {
  path: string;
  /** The kernel's kill switch: the global hold, and each agent's kill. */
  killSwitch: AgentKillSwitch;
  quarantine: Quarantine;
  clock?: () => number;
}

/**
 * Loads the state file (if any) into the kernel's kill switch (global and per-agent kills)
 * and quarantine, so every decision path of that kernel (`/v1/decide`, and `decide` or
 * `enforce` in-process) denies a held agent. Throws `STATE_CORRUPT`.
 */
export function openAgentControls(options: AgentControlsOptions): AgentControls {
  const clock = options.clock ?? Date.now;
  const holds = readState(options.path);
  const applyHold = (target: string, hold: Hold | undefined): void => {
    if (target === "*") {
      if (hold === undefined) options.killSwitch.release();
      else options.killSwitch.engage(hold.reason);
      return;
    }
    if (hold?.state === "quarantined") options.quarantine.add(target, hold.reason);
    else options.quarantine.remove(target);
    if (hold?.state === "killed") options.killSwitch.killAgent(target, hold.reason);
    else options.killSwitch.reviveAgent(target);
  };
  for (const [target, hold] of holds) applyHold(target, hold);
  const persist = (): void => {
    const file: StateFile = { v: 1, holds: Object.fromEntries(holds) };
    writeFileAtomic(options.path, JSON.stringify(file, null, 2) + "\n", 0o600);
  };

  return {
    killedReason(agentId) {
      const hold = holds.get(agentId);
      return hold?.state === "killed" ? hold.reason : undefined;
    },
    change(change, audit) {
      const target = change.agent ?? "*";
      const before = holds.get(target);
      const previous: ControlState = before?.state ?? "active";
      const state: ControlState = change.op === "release" ? "active" : change.op === "kill" ? "killed" : "quarantined";
      const hold: Hold | null = state === "active" ? null : { state, reason: change.reason, by: change.by, at: new Date(clock()).toISOString() };
      const result: ControlResult = { target, previous, state, changed: previous !== state || (before?.reason ?? "") !== (hold?.reason ?? ""), persisted: false, audited: false };
      const set = (value: Hold | null): void => {
        if (value === null) holds.delete(target);
        else {
          if (!holds.has(target) && holds.size >= MAX_CONTROLLED_AGENTS) throw new ServerError("BAD_REQUEST", 400, `more than ${MAX_CONTROLLED_AGENTS} agents are held`);
          holds.set(target, value);
        }
        applyHold(target, value ?? undefined);
      };
      if (hold !== null) {
        set(hold); // effective for the next decision, whatever happens below
        try {
          persist();
          result.persisted = true;
        } catch {
          result.persisted = false;
        }
        try {
          audit(result, hold);
          result.audited = true;
        } catch {
          result.audited = false;
        }
        return result;
      }
      holds.delete(target);
      try {
        persist();
      } catch (error) {
        if (before !== undefined) holds.set(target, before);
        throw new ServerError("STATE_WRITE_FAILED", 500, `the release could not be persisted, so nothing was released: ${messageOf(error)}`);
      }
      result.persisted = true;
      try {
        audit(result, null);
      } catch (error) {
        if (before !== undefined) holds.set(target, before);
        try {
          persist();
        } catch {
          // The file says released while memory still holds: the next start releases. Reported below.
        }
        throw new ServerError("AUDIT_UNAVAILABLE", 503, `the release could not be audited, so nothing was released: ${messageOf(error)}`);
      }
      result.audited = true;
      applyHold(target, undefined);
      return result;
    },
    list: () => Object.fromEntries(holds),
  };
}

function readState(path: string): Map<string, Hold> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw new ServerError("STATE_CORRUPT", 500, `cannot read ${path}: ${messageOf(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ServerError("STATE_CORRUPT", 500, `${path} is not valid JSON; fix or remove it (holds would be lost)`);
  }
  const raw: unknown = (value as { holds?: unknown } | null)?.holds;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ServerError("STATE_CORRUPT", 500, `${path} must hold { "v": 1, "holds": {...} }`);
  const holds = new Map<string, Hold>();
  for (const [target, h] of Object.entries(raw as Record<string, unknown>)) {
    const hold = h as Partial<Hold> | null;
    if (hold === null || (hold.state !== "killed" && hold.state !== "quarantined") || typeof hold.reason !== "string") {
      throw new ServerError("STATE_CORRUPT", 500, `${path}: the hold of '${target}' is malformed`);
    }
    holds.set(target, { state: hold.state, reason: hold.reason, by: typeof hold.by === "string" ? hold.by : "", at: typeof hold.at === "string" ? hold.at : "" });
  }
  return holds;
}
