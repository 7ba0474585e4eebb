/**
 * The reference responder of the server benchmark: a bare `node:http` server that reads
 * the POST body and answers a fixed decision-sized JSON — the ceiling of any HTTP decision
 * point on this machine. Prints `{"port":N}` and runs until killed.
 */
import { createServer } from "node:http";
import { listenAndPrintPort } from "./listen.js";
import { BARE_ANSWER } from "./protocol.js";

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(BARE_ANSWER) });
    res.end(BARE_ANSWER);
  });
});
listenAndPrintPort(server);
