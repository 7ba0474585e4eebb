/**
 * The pending approvals: one card per approval with the action, the rule that asked for
 * it, the votes so far, an optional note, and Approve / Deny. Cards are kept by id, so a
 * refresh never wipes a note being typed or moves the focus.
 */
import { type ApiClient, ApiError, describeError } from "./api.js";
import { byId, el, showPanelError, timeEl } from "./dom.js";
import type { Approval } from "./types.js";

/** Most characters of a note (the server allows 1024). */
const MAX_NOTE = 1000;
/** The page title, prefixed with the pending count. */
const TITLE = "agentgov console";

/** What the panel reports to the page. */
export interface PanelHooks {
  /** Tells the user what happened (`error`: as an alert). */
  announce(message: string, error?: boolean): void;
  /** The token was refused (401). */
  unauthorized(): void;
}

/** The approvals panel. */
export class ApprovalsPanel {
  readonly #api: ApiClient;
  readonly #hooks: PanelHooks;
  readonly #cards = new Map<string, { node: HTMLLIElement; votes: HTMLElement }>();
  readonly #list = byId("approvals-list", HTMLUListElement);
  readonly #empty = byId("approvals-empty");
  readonly #count = byId("approvals-count");
  readonly #error = byId("approvals-error");
  readonly #title = byId("approvals-title");
  /** False until the first answer: the approvals already pending then are not announced. */
  #loaded = false;

  constructor(api: ApiClient, hooks: PanelHooks) {
    this.#api = api;
    this.#hooks = hooks;
    this.#list.replaceChildren();
  }

  /** Fetches the pending approvals and updates the cards. */
  async refresh(): Promise<void> {
    try {
      const answer = await this.#api.get<{ approvals: Approval[] }>("/v1/approvals?status=pending");
      showPanelError(this.#error, null);
      this.#render(answer.approvals.filter((a) => a.status === "pending"));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.#hooks.unauthorized();
      else showPanelError(this.#error, `Could not load the approvals: ${describeError(error)}`);
    }
  }

  /** Empties the panel. */
  clear(): void {
    this.#render([]);
    this.#loaded = false;
  }

  #render(approvals: readonly Approval[]): void {
    const seen = new Set<string>();
    const added: Approval[] = [];
    for (const approval of approvals) {
      seen.add(approval.id);
      const card = this.#cards.get(approval.id);
      if (card === undefined) {
        const made = this.#card(approval);
        this.#cards.set(approval.id, made);
        this.#list.appendChild(made.node);
        added.push(approval);
      } else card.votes.replaceChildren(...voteItems(approval));
    }
    if (this.#loaded && added.length > 0) {
      this.#hooks.announce(added.length === 1 ? `New approval pending: ${describe(added[0])}.` : `${added.length} new approvals pending.`);
    }
    this.#loaded = true;
    for (const [id, card] of this.#cards) {
      if (seen.has(id)) continue;
      this.#remove(id, card.node);
    }
    this.#empty.hidden = this.#cards.size > 0;
    this.#count.textContent = this.#cards.size > 0 ? `(${this.#cards.size})` : "";
    document.title = this.#cards.size > 0 ? `(${this.#cards.size}) ${TITLE}` : TITLE;
  }

  #remove(id: string, node: HTMLLIElement): void {
    const hadFocus = node.contains(document.activeElement);
    node.remove();
    this.#cards.delete(id);
    if (hadFocus) this.#title.focus();
  }

  #card(approval: Approval): { node: HTMLLIElement; votes: HTMLElement } {
    const base = `approval-${approval.id}`;
    const what = describe(approval);
    const note = el("input", { id: `${base}-note`, type: "text", maxlength: String(MAX_NOTE), autocomplete: "off" });
    const approve = el("button", { type: "button", className: "approve", "aria-describedby": `${base}-title` }, "Approve");
    const deny = el("button", { type: "button", className: "danger", "aria-describedby": `${base}-title` }, "Deny");
    const votes = el("ul", { className: "votes", "aria-label": "Votes" }, ...voteItems(approval));
    const facts = el("dl", { className: "facts" },
      el("dt", {}, "Reason"), el("dd", {}, approval.reason),
      el("dt", {}, "Rule"), el("dd", {}, `${approval.policy ?? "?"} / ${approval.rule ?? "?"}`),
      el("dt", {}, "Quorum"), el("dd", {}, `${approval.quorum} of ${approval.approvers.length === 0 ? "any approver" : approval.approvers.join(", ")}`),
      el("dt", {}, "Requested"), el("dd", {}, timeEl(approval.createdAt)),
      el("dt", {}, "Expires"), el("dd", {}, timeEl(approval.expiresAt)),
      el("dt", {}, "Action digest"), el("dd", { className: "mono" }, approval.actionDigest),
    );
    const args = approval.args === undefined ? null : el("details", { open: true }, el("summary", {}, "Arguments"), el("pre", {}, JSON.stringify(approval.args, null, 2)));
    const node = el("li", { className: "card", "data-approval-id": approval.id },
      el("article", { "aria-labelledby": `${base}-title` },
        el("h3", { id: `${base}-title` }, what),
        facts,
        args,
        votes,
        el("div", { className: "vote-form" },
          el("label", { for: `${base}-note` }, "Note (optional)"),
          note,
          el("div", { className: "buttons" }, approve, deny),
        ),
      ),
    );
    const vote = (verdict: "approve" | "deny"): void => {
      approve.disabled = true;
      deny.disabled = true;
      void this.#vote(approval, verdict, note.value.trim()).finally(() => {
        approve.disabled = false;
        deny.disabled = false;
      });
    };
    approve.addEventListener("click", () => {
      vote("approve");
    });
    deny.addEventListener("click", () => {
      vote("deny");
    });
    return { node, votes };
  }

  async #vote(approval: Approval, verdict: "approve" | "deny", note: string): Promise<void> {
    const what = describe(approval);
    try {
      const answer = await this.#api.post<Approval>(`/v1/approvals/${encodeURIComponent(approval.id)}/${verdict}`, note === "" ? {} : { note });
      this.#hooks.announce(verdict === "approve"
        ? `Approved ${what}${answer.status === "pending" ? " (more approvals needed)" : ""}.`
        : `Denied ${what}.`);
      await this.refresh();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.#hooks.unauthorized();
      else {
        this.#hooks.announce(`Could not ${verdict} ${what}: ${describeError(error)}`, true);
        await this.refresh();
      }
    }
  }
}

/** "tool by agent". */
function describe(approval: Approval | undefined): string {
  return approval === undefined ? "" : `${approval.tool ?? "(no tool)"} by ${approval.agent}`;
}

function voteItems(approval: Approval): HTMLLIElement[] {
  if (approval.votes.length === 0) return [el("li", {}, "No votes yet.")];
  return approval.votes.map((v) => el("li", {}, `${v.verdict === "approve" ? "Approved" : "Denied"} by ${v.approver}`, v.note === undefined ? "" : `: ${v.note}`, " (", timeEl(v.at), ")"));
}
