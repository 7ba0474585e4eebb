// A stub governance sidecar for the remote kernel's unit tests, run in a worker thread:
// the remote kernel's synchronous `decide` blocks its own thread, so the server answering
// it must live on another one. It speaks the wire format of @agentgov/server
// (POST /v1/decide, POST /v1/outcome, POST /v1/audit/events, bearer token, `{ code, message }` errors) with a
// fixed decision table, and faults the test switches on through messages.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { parentPort, workerData } from "node:worker_threads";

const TOKEN = workerData.token;
const DIGEST = "ab".repeat(32);
const state = { fault: "none", decided: [], outcomes: [], events: [] };
const hanging = [];

function decision(request) {
  const base = { matched_rule: null, policy: null, code: "default", reason: "default allow", policy_digest: DIGEST };
  const context = request?.context ?? {};
  if (request?.stage === "post_tool") {
    const output = context.output;
    if (typeof output === "object" && output !== null && "secret" in output) {
      return { ...base, allowed: false, action: "deny", matched_rule: "no-secret-out", policy: "stub", code: "rule", reason: "output holds a secret" };
    }
    return { ...base, allowed: true, action: "allow" };
  }
  const rule = (name) => ({ ...base, matched_rule: name, policy: "stub", code: "rule" });
  switch (context.tool?.name) {
    case "delete":
      return { ...rule("no-delete"), allowed: false, action: "deny", reason: "no deleting" };
    case "read":
      return { ...rule("sandbox"), allowed: true, action: "transform", reason: "sandboxed", transform: { set: { "args.path": "/sandbox" } } };
    case "nudge":
      return { ...rule("nudge"), allowed: true, action: "steer", reason: "prefer the cache" };
    case "refund":
      return { ...rule("refund"), allowed: false, action: "require_approval", reason: "refunds need approval", approvers: ["finance"], quorum: 1 };
    default:
      return { ...base, allowed: true, action: "allow" };
  }
}

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  const body = text === "" ? null : JSON.parse(text);
  const send = (status, value) => {
    const out = typeof value === "string" ? value : JSON.stringify(value);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(out) }).end(out);
  };
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { code: "UNAUTHENTICATED", message: "a valid bearer token is required" });
  const [path, query = ""] = (req.url ?? "").split("?");
  if (path === "/v1/outcome") {
    if (state.fault === "outcome500") return send(500, { code: "INTERNAL", message: "disk full" });
    if (!state.decided.some((d) => d.callId === body.call_id && d.allowed)) return send(404, { code: "UNKNOWN_CALL", message: "no allowed call is waiting" });
    state.outcomes.push(body);
    return send(200, { ...body, kind: "outcome", seq: state.outcomes.length, hash: "cd".repeat(32) });
  }
  if (path === "/v1/audit/events") {
    if (state.fault === "events500") return send(500, { code: "AUDIT_UNAVAILABLE", message: "disk full" });
    state.events.push(body);
    return send(201, { ...body, v: 1, ts: new Date().toISOString(), seq: 100 + state.events.length, prev: "", hash: "ef".repeat(32) });
  }
  if (path !== "/v1/decide") return send(404, { code: "NOT_FOUND", message: "no route" });
  switch (state.fault) {
    case "hang":
      hanging.push(res);
      return;
    case "garbage":
      return send(200, "<html>not json</html>");
    case "status500":
      return send(500, { code: "INTERNAL", message: "internal error" });
    case "oversized":
      return send(200, { padding: "x".repeat(64 * 1024) });
    case "invalid_decision":
      return send(200, { allowed: true, action: "deny", matched_rule: null, policy: null, code: "rule", reason: "", policy_digest: DIGEST, call_id: "x" });
    default: {
      const callId = randomUUID();
      const answer = decision(body);
      state.decided.push({ request: body, callId, query, allowed: answer.allowed });
      return send(200, { ...answer, call_id: callId });
    }
  }
});

parentPort.on("message", (m) => {
  if (m.type === "fault") state.fault = m.fault;
  if (m.type === "stop") {
    for (const res of hanging.splice(0)) res.destroy();
    server.closeAllConnections();
    server.close(() => parentPort.postMessage({ id: m.id }));
    return;
  }
  parentPort.postMessage({ id: m.id, decided: state.decided, outcomes: state.outcomes, events: state.events });
});

server.listen(0, "127.0.0.1", () => parentPort.postMessage({ type: "ready", port: server.address().port, digest: DIGEST }));
