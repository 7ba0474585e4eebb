/**
 * The second reference of the server benchmark: the leanest decision point this kernel
 * allows — a bare `node:http` server that reads the POST body, `JSON.parse`s it, takes
 * `kernel.decide` under the benchmark policy and answers the decision as JSON with a call
 * id. No authentication, routing, audit record, durability or metrics: the ceiling of any
 * HTTP decision point built on `@agentgov/core` in one node process on this machine, so the
 * sidecar's figure can be read against what deciding alone costs. Prints `{"port":N}` and
 * runs until killed.
 */
import { createServer } from "node:http";
import { listenAndPrintPort } from "./listen.js";
import { createKernel, createPolicyEngine, type DecisionRequest } from "@agentgov/core";
import { BENCH_POLICY } from "./protocol.js";

const kernel = createKernel({ engine: createPolicyEngine({ policies: [{ text: BENCH_POLICY, file: "support-db.yaml" }] }) });
let calls = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const decision = kernel.decide(JSON.parse(Buffer.concat(chunks).toString("utf8")) as DecisionRequest);
    const body = JSON.stringify({ ...decision, call_id: String(++calls) });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
listenAndPrintPort(server);
