/**
 * Kill switch and per-agent quarantine: operator controls checked before any policy. They
 * are synchronous in-memory state; the server persists and audits changes to them.
 */

/** A global stop: while engaged, every decision is deny `kill_switch`. */
export interface KillSwitch {
  readonly engaged: boolean;
  /** Why it was engaged (empty when released). */
  readonly reason: string;
  engage(reason: string): void;
  release(): void;
  /**
   * Why the agent `agentId` alone is killed (its decisions are deny `kill_switch` too), or
   * undefined. Optional: a switch without it stops everything or nothing.
   */
  reasonFor?(agentId: string): string | undefined;
}

/** A kill switch that can also kill single agents (what {@link createKillSwitch} returns). */
export interface AgentKillSwitch extends KillSwitch {
  reasonFor(agentId: string): string | undefined;
  /** Kills one agent: its next decisions are deny `kill_switch`. Throws RangeError past {@link MAX_KILLED_AGENTS}. */
  killAgent(agentId: string, reason: string): void;
  /** Lifts one agent's kill; true when it was killed. */
  reviveAgent(agentId: string): boolean;
  /** Killed agent ids with reasons. */
  killedAgents(): [string, string][];
}

/** Most agents that can be killed one by one at once (operator input, but still bounded). */
export const MAX_KILLED_AGENTS = 100_000;

/** Creates a released kill switch with no agent killed. */
export function createKillSwitch(): AgentKillSwitch {
  let engaged = false;
  let reason = "";
  const killed = new Map<string, string>();
  return {
    reasonFor: (agentId) => killed.get(agentId),
    killAgent(agentId, why) {
      if (!killed.has(agentId) && killed.size >= MAX_KILLED_AGENTS) throw new RangeError(`more than ${MAX_KILLED_AGENTS} killed agents`);
      killed.set(agentId, why);
    },
    reviveAgent: (agentId) => killed.delete(agentId),
    killedAgents: () => [...killed.entries()],
    get engaged() {
      return engaged;
    },
    get reason() {
      return reason;
    },
    engage(why) {
      engaged = true;
      reason = why;
    },
    release() {
      engaged = false;
      reason = "";
    },
  };
}

/** Agents held out of service: their decisions are deny `quarantined`. */
export interface Quarantine {
  /** The reason an agent is quarantined, or undefined. */
  reasonFor(agentId: string): string | undefined;
  add(agentId: string, reason: string): void;
  remove(agentId: string): boolean;
  /** Quarantined agent ids with reasons. */
  list(): [string, string][];
}

/** Most agents that can be quarantined at once (operator input, but still bounded). */
export const MAX_QUARANTINED_AGENTS = 100_000;

/** Creates an empty quarantine. */
export function createQuarantine(): Quarantine {
  const held = new Map<string, string>();
  return {
    reasonFor: (agentId) => held.get(agentId),
    add(agentId, reason) {
      if (!held.has(agentId) && held.size >= MAX_QUARANTINED_AGENTS) throw new RangeError(`more than ${MAX_QUARANTINED_AGENTS} quarantined agents`);
      held.set(agentId, reason);
    },
    remove: (agentId) => held.delete(agentId),
    list: () => [...held.entries()],
  };
}
