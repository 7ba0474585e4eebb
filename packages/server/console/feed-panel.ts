/**
 * The live decision feed: follows `GET /v1/audit` with its cursor (from the records of the
 * last hour on), newest first, at most {@link MAX_ROWS} rows. An outcome record updates
 * the row of its decision (same `call_id`).
 */
import { type ApiClient, ApiError, describeError } from "./api.js";
import { byId, el, showPanelError, timeEl } from "./dom.js";
import type { PanelHooks } from "./approvals-panel.js";
import type { AuditPage, AuditRecord } from "./types.js";

/** Rows kept in the feed. */
export const MAX_ROWS = 200;
/** How far back the feed starts. */
const START_WINDOW_MS = 60 * 60 * 1000;
/** Records per page. */
const PAGE_SIZE = 200;
/** Pages read per refresh (the rest on the next one). */
const MAX_PAGES = 10;

/** The feed panel. */
export class FeedPanel {
  readonly #api: ApiClient;
  readonly #hooks: PanelHooks;
  readonly #onAgent: (agent: string) => void;
  readonly #list = byId("feed-list", HTMLOListElement);
  readonly #error = byId("feed-error");
  readonly #state = byId("feed-state");
  readonly #since = new Date(Date.now() - START_WINDOW_MS).toISOString();
  readonly #outcomes = new Map<string, HTMLElement>();
  #cursor: string | undefined;
  #first = true;

  constructor(api: ApiClient, hooks: PanelHooks, onAgent: (agent: string) => void) {
    this.#api = api;
    this.#hooks = hooks;
    this.#onAgent = onAgent;
    this.#list.replaceChildren();
  }

  /** Reads the new records and adds them. */
  async refresh(): Promise<void> {
    if (this.#first) this.#list.setAttribute("aria-busy", "true");
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const query = new URLSearchParams({ since: this.#since, limit: String(PAGE_SIZE) });
        if (this.#cursor !== undefined) query.set("cursor", this.#cursor);
        const answer = await this.#api.get<AuditPage>(`/v1/audit?${query.toString()}`);
        for (const record of answer.records) this.#add(record);
        this.#cursor = answer.next_cursor;
        if (!answer.has_more) break;
      }
      showPanelError(this.#error, null);
      this.#state.textContent = "";
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.#hooks.unauthorized();
      else {
        if (error instanceof ApiError && error.code === "INVALID_CURSOR") this.#cursor = undefined;
        showPanelError(this.#error, `Could not read the audit log: ${describeError(error)}`);
      }
    } finally {
      if (this.#first) this.#list.removeAttribute("aria-busy");
      this.#first = false;
    }
  }

  #add(record: AuditRecord): void {
    this.#onAgent(record.agent);
    const status = record.outcome?.status;
    if (record.kind === "outcome" && record.call_id !== undefined) {
      const cell = this.#outcomes.get(record.call_id);
      if (cell !== undefined && status !== undefined) {
        setOutcome(cell, status, record.outcome?.error?.message);
        return;
      }
    }
    const action = record.decision.action;
    const outcome = el("span", { className: "outcome" });
    if (status !== undefined) setOutcome(outcome, status, record.outcome?.error?.message);
    const row = el("li", { className: `entry action-${cssToken(action)}`, "data-seq": String(record.seq) },
      el("span", { className: "seq" }, `#${record.seq}`),
      timeEl(record.ts),
      el("span", { className: "who" }, el("strong", {}, record.agent), " → ", el("code", {}, record.tool ?? "(no tool)"), record.action === undefined ? null : el("span", { className: "event" }, ` (${record.action})`)),
      el("span", { className: "badge" }, record.kind === "outcome" ? "outcome" : action),
      el("span", { className: "code" }, record.decision.code),
      outcome,
      record.decision.reason === undefined ? null : el("span", { className: "reason" }, record.decision.reason),
    );
    if (record.call_id !== undefined && record.kind === "decision") {
      row.dataset.callId = record.call_id;
      this.#outcomes.set(record.call_id, outcome);
    }
    this.#list.prepend(row);
    while (this.#list.children.length > MAX_ROWS) {
      const last = this.#list.lastElementChild as HTMLElement | null;
      if (last === null) break;
      if (last.dataset.callId !== undefined) this.#outcomes.delete(last.dataset.callId);
      last.remove();
    }
  }
}

function setOutcome(cell: HTMLElement, status: string, error: string | undefined): void {
  cell.textContent = error === undefined ? status : `${status}: ${error}`;
  cell.className = `outcome outcome-${cssToken(status)}`;
}

/** A string safe as part of a class name. */
function cssToken(value: string): string {
  return value.replace(/[^a-z0-9_-]/gi, "_").slice(0, 40);
}
