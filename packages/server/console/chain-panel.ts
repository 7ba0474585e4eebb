/** The audit chain's status: `GET /v1/audit/verify`, on a timer and on demand. */
import { type ApiClient, ApiError, describeError } from "./api.js";
import { byId, el } from "./dom.js";
import type { PanelHooks } from "./approvals-panel.js";
import type { VerifyResult } from "./types.js";

/** The chain panel. */
export class ChainPanel {
  readonly #api: ApiClient;
  readonly #hooks: PanelHooks;
  readonly #state = byId("chain-state");
  readonly #details = byId("chain-details");

  constructor(api: ApiClient, hooks: PanelHooks) {
    this.#api = api;
    this.#hooks = hooks;
  }

  /** Verifies the log and shows the verdict. */
  async refresh(): Promise<void> {
    try {
      const result = await this.#api.get<VerifyResult>("/v1/audit/verify");
      this.#state.className = `chain-state ${result.ok ? "ok" : "broken"}`;
      this.#state.textContent = result.ok
        ? `Verified: ${result.records} records, the hash chain is intact.`
        : `BROKEN at record ${result.error?.seq ?? "?"}: ${result.error?.reason ?? "unknown"} — ${result.error?.message ?? ""}`;
      this.#details.replaceChildren(
        el("dt", {}, "Last record"), el("dd", {}, String(result.lastSeq)),
        el("dt", {}, "Checkpoints"), el("dd", {}, `${result.checkpoints}${result.signaturesChecked ? " (signatures checked)" : ""}`),
        el("dt", {}, "Signing key"), el("dd", { className: "mono" }, result.keyId ?? "none (unsigned log)"),
        el("dt", {}, "Checked at"), el("dd", {}, new Date().toLocaleTimeString()),
      );
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.#hooks.unauthorized();
      else {
        this.#state.className = "chain-state unknown";
        this.#state.textContent = `Could not verify: ${describeError(error)}`;
      }
    }
  }
}
