/**
 * Agents and their operator state: the agents seen in the feed plus every held agent
 * (`GET /v1/agents`), with Kill / Quarantine / Release, and the global kill switch.
 */
import { type ApiClient, ApiError, describeError } from "./api.js";
import { byId, el, showPanelError, timeEl } from "./dom.js";
import type { PanelHooks } from "./approvals-panel.js";
import type { AgentsAnswer, Hold } from "./types.js";

/** Most agents listed (the most recently seen win). */
export const MAX_AGENTS = 500;

type Op = "kill" | "quarantine" | "release";

/** The agents panel. */
export class AgentsPanel {
  readonly #api: ApiClient;
  readonly #hooks: PanelHooks;
  readonly #seen = new Set<string>();
  #holds: Record<string, Hold> = {};
  readonly #body = byId("agents-body", HTMLTableSectionElement);
  readonly #error = byId("agents-error");
  readonly #switchState = byId("kill-switch-state");
  readonly #engage = byId("kill-switch-engage", HTMLButtonElement);
  readonly #release = byId("kill-switch-release", HTMLButtonElement);
  readonly #form = byId("agent-form", HTMLFormElement);
  readonly #input = byId("agent-input", HTMLInputElement);
  readonly #abort = new AbortController();

  constructor(api: ApiClient, hooks: PanelHooks) {
    this.#api = api;
    this.#hooks = hooks;
    const signal = this.#abort.signal;
    this.#engage.addEventListener("click", () => {
      if (window.confirm("Stop every agent? New decisions for all agents will be denied until the kill switch is released.")) void this.#change(null, "kill");
    }, { signal });
    this.#release.addEventListener("click", () => {
      void this.#change(null, "release");
    }, { signal });
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      const agent = this.#input.value.trim();
      const op = (event.submitter as HTMLButtonElement | null)?.value === "quarantine" ? "quarantine" : "kill";
      if (agent === "") return;
      this.#input.value = "";
      this.noteAgent(agent);
      void this.#change(agent, op);
    }, { signal });
  }

  /** Adds an agent seen in the feed. */
  noteAgent(agent: string): void {
    if (this.#seen.has(agent)) return;
    this.#seen.add(agent);
    if (this.#seen.size > MAX_AGENTS) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#render();
  }

  /** Reads the holds and the kill switch. */
  async refresh(): Promise<void> {
    try {
      const answer = await this.#api.get<AgentsAnswer>("/v1/agents");
      showPanelError(this.#error, null);
      this.#holds = answer.agents;
      const sw = answer.kill_switch;
      this.#switchState.textContent = sw.engaged ? `ENGAGED by ${sw.by}: ${sw.reason}` : "off";
      this.#switchState.className = sw.engaged ? "held" : "";
      this.#engage.disabled = sw.engaged;
      this.#release.disabled = !sw.engaged;
      this.#render();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.#hooks.unauthorized();
      else showPanelError(this.#error, `Could not read the agents: ${describeError(error)}`);
    }
  }

  /** Removes the listeners. */
  stop(): void {
    this.#abort.abort();
  }

  #render(): void {
    const ids = [...new Set([...Object.keys(this.#holds), ...this.#seen])].sort();
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.focusKey : undefined;
    const rows = ids.map((id, i) => this.#row(id, this.#holds[id], `agent-row-${i}`));
    this.#body.replaceChildren(...rows);
    if (rows.length === 0) this.#body.appendChild(el("tr", {}, el("td", { colspan: "4" }, "No agents yet.")));
    if (focused !== undefined) {
      for (const button of this.#body.querySelectorAll<HTMLButtonElement>("button")) {
        if (button.dataset.focusKey === focused) button.focus();
      }
    }
  }

  #row(agent: string, hold: Hold | undefined, cellId: string): HTMLTableRowElement {
    const state = hold?.state ?? "active";
    const button = (op: Op, label: string, disabled: boolean, className = ""): HTMLButtonElement => {
      const b = el("button", { type: "button", className, "aria-describedby": cellId, "data-focus-key": `${op}:${agent}` }, label);
      b.disabled = disabled;
      b.addEventListener("click", () => {
        void this.#change(agent, op);
      });
      return b;
    };
    return el("tr", { "data-agent": agent },
      el("th", { scope: "row", id: cellId }, agent),
      el("td", { className: `state state-${state}` }, state),
      el("td", {}, hold === undefined ? "" : `${hold.reason} (by ${hold.by}, `, hold === undefined ? null : timeEl(hold.at), hold === undefined ? "" : ")"),
      el("td", { className: "actions" },
        button("kill", "Kill", state === "killed", "danger"),
        button("quarantine", "Quarantine", state !== "active"),
        button("release", "Release", state === "active"),
      ),
    );
  }

  async #change(agent: string | null, op: Op): Promise<void> {
    const path = agent === null ? (op === "release" ? "/v1/kill/release" : "/v1/kill") : `/v1/agents/${encodeURIComponent(agent)}/${op}`;
    try {
      const answer = await this.#api.post<{ state: string; stops?: string }>(path, {});
      this.#hooks.announce(`${agent ?? "Every agent"}: now ${answer.state}. Stops ${answer.stops ?? "(not reported)"}.`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.#hooks.unauthorized();
      else this.#hooks.announce(`Could not ${op} ${agent ?? "every agent"}: ${describeError(error)}`, true);
    }
    await this.refresh();
  }
}
