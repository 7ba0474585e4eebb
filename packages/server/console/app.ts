/**
 * The console's entry point: asks for a token, then runs the panels (approvals, audit
 * chain, agents, decision feed), each polling its API route.
 */
import { ApiClient } from "./api.js";
import { AgentsPanel } from "./agents-panel.js";
import { ApprovalsPanel, type PanelHooks } from "./approvals-panel.js";
import { ChainPanel } from "./chain-panel.js";
import { byId } from "./dom.js";
import { FeedPanel } from "./feed-panel.js";
import { startPoller, type Poller } from "./poller.js";
import { clearToken, isPlausibleToken, loadToken, saveToken } from "./token-store.js";

/** Poll intervals (ms). */
const APPROVALS_MS = 1500;
const FEED_MS = 2000;
const AGENTS_MS = 5000;
const CHAIN_MS = 30_000;

const form = byId("token-form", HTMLFormElement);
const input = byId("token-input", HTMLInputElement);
const session = byId("session");
const sessionDetail = byId("session-detail");
const main = byId("main");
const status = byId("status");
const alertLine = byId("alert");

let running: { api: ApiClient; pollers: Poller[]; agents: AgentsPanel; approvals: ApprovalsPanel } | null = null;

const hooks: PanelHooks = {
  announce(message, error = false) {
    if (error) alertLine.textContent = message;
    else {
      alertLine.textContent = "";
      status.textContent = message;
    }
  },
  unauthorized() {
    disconnect("The server refused the token (401). Enter a valid token.");
  },
};

function connect(token: string): void {
  disconnect(null);
  const api = new ApiClient(token);
  const approvals = new ApprovalsPanel(api, hooks);
  const agents = new AgentsPanel(api, hooks);
  const feed = new FeedPanel(api, hooks, (agent) => {
    agents.noteAgent(agent);
  });
  const chain = new ChainPanel(api, hooks);
  const verifyButton = byId("chain-verify", HTMLButtonElement);
  const pollers = [
    startPoller(() => approvals.refresh(), APPROVALS_MS),
    startPoller(() => feed.refresh(), FEED_MS),
    startPoller(() => agents.refresh(), AGENTS_MS),
    startPoller(() => chain.refresh(), CHAIN_MS),
  ];
  const chainPoller = pollers[3];
  verifyButton.onclick = () => {
    chainPoller?.now();
  };
  running = { api, pollers, agents, approvals };
  form.hidden = true;
  session.hidden = false;
  sessionDetail.textContent = `Token ending in …${token.slice(-4)}.`;
  main.hidden = false;
  alertLine.textContent = "";
}

function disconnect(reason: string | null): void {
  if (running !== null) {
    running.api.close();
    for (const poller of running.pollers) poller.stop();
    running.agents.stop();
    running.approvals.clear();
    running = null;
  }
  if (reason === null) return;
  clearToken();
  main.hidden = true;
  session.hidden = true;
  form.hidden = false;
  alertLine.textContent = reason;
  input.focus();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = input.value.trim();
  if (!isPlausibleToken(token)) {
    alertLine.textContent = "That does not look like a token (printable characters, no spaces).";
    input.focus();
    return;
  }
  input.value = "";
  saveToken(token);
  connect(token);
  status.textContent = "Connected.";
  main.focus();
});

byId("disconnect").addEventListener("click", () => {
  disconnect("Token forgotten.");
  alertLine.textContent = "";
  status.textContent = "Token forgotten.";
});

const stored = loadToken();
if (stored !== null && isPlausibleToken(stored)) connect(stored);
else input.focus();
