/*
 * The worker thread behind the remote kernel's synchronous `decide` (see sync-channel.ts for
 * the shared-buffer layout): it makes the keep-alive HTTP request the blocked caller cannot
 * make, writes the answer into the shared buffer and wakes the caller. Plain CommonJS using
 * only Node's own modules, so the same file runs from the TypeScript sources (tests) and from
 * dist/ (the build copies it); requests reach it only as messages, its settings (endpoint
 * parts, token, limits) in workerData. The slot and kind numbers match sync-worker-source.ts.
 */
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const https = require("node:https");
const { control, data, protocol, hostname, port, prefix, authorization, maxBytes } = workerData;
const SEQ = 0, KIND = 1, STATUS = 2, LENGTH = 3;
const ANSWER = 0, UNAVAILABLE = 1, TIMEOUT = 2, OVERSIZED = 3;
const ctl = new Int32Array(control);
const buf = new Uint8Array(data);
const send = protocol === "https:" ? https.request : http.request;
const agent = protocol === "https:" ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
let latest = 0;
function finish(seq, kind, status, bytes) {
  if (seq !== latest) return;
  const n = Math.min(bytes.length, buf.length);
  buf.set(bytes.subarray(0, n), 0);
  Atomics.store(ctl, KIND, kind);
  Atomics.store(ctl, STATUS, status);
  Atomics.store(ctl, LENGTH, n);
  Atomics.store(ctl, SEQ, seq);
  Atomics.notify(ctl, SEQ);
}
function text(s) {
  return Buffer.from(String(s).slice(0, 1000), "utf8");
}
parentPort.on("message", (m) => {
  if (m.type === "close") {
    agent.destroy();
    parentPort.close();
    return;
  }
  const seq = m.seq;
  latest = seq;
  let done = false;
  const headers = { accept: "application/json" };
  if (authorization !== undefined) headers.authorization = authorization;
  if (m.body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(m.body));
  }
  const end = (kind, status, bytes) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    finish(seq, kind, status, bytes);
  };
  const req = send({ agent, host: hostname, port, method: m.method, path: prefix + m.path, headers }, (res) => {
    const declared = Number(res.headers["content-length"] || "0");
    if (declared > maxBytes) {
      res.destroy();
      req.destroy();
      end(OVERSIZED, 0, text(""));
      return;
    }
    const chunks = [];
    let size = 0;
    res.on("data", (chunk) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        req.destroy();
        end(OVERSIZED, 0, text(""));
        return;
      }
      chunks.push(chunk);
    });
    res.on("end", () => end(ANSWER, res.statusCode || 0, Buffer.concat(chunks)));
    res.on("error", (e) => end(UNAVAILABLE, 0, text(e.message)));
    res.on("aborted", () => end(UNAVAILABLE, 0, text("the sidecar closed the connection mid-answer")));
  });
  const timer = setTimeout(() => {
    req.destroy();
    end(TIMEOUT, 0, text(""));
  }, m.timeoutMs);
  req.on("error", (e) => end(UNAVAILABLE, 0, text(e.message)));
  req.end(m.body);
});
