// Hosts real @agentgov/server sidecars (the built package) in a worker thread of the
// test process: the remote kernel's synchronous `decide` blocks the test's own thread,
// so the server answering it must run on another one. Driven by messages from sidecar.ts.
import { hash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parentPort } from "node:worker_threads";
import { createGovernanceServer, jsonlAuditStore } from "@agentgov/server";

const running = new Map();
let next = 0;

/** The JSONL store with a sink that refuses every record (a full disk). */
function refusingStore(dir) {
  const store = jsonlAuditStore({ dir });
  const sink = {
    append() {
      throw new Error("the disk is full");
    },
    flush: () => store.sink.flush(),
    close: () => store.sink.close(),
    head: () => store.sink.head(),
  };
  return new Proxy(store, { get: (target, key) => (key === "sink" ? sink : Reflect.get(target, key)) });
}

async function start(m) {
  const dir = mkdtempSync(join(tmpdir(), "agentgov-sidecar-"));
  const policies = join(dir, "policies");
  const data = join(dir, "data");
  mkdirSync(policies);
  mkdirSync(data);
  m.policies.forEach((p, i) => writeFileSync(join(policies, `${String(i).padStart(2, "0")}.json`), JSON.stringify(p)));
  const tokens = m.tokens.map((t) => ({ id: t.id, sha256: hash("sha256", t.token, "hex"), scopes: t.scopes, created: "" }));
  const options = { policies, dataDir: data, tokens, watch: false };
  if (m.refuseAudit) options.audit = refusingStore(data);
  const server = createGovernanceServer(options);
  const { port } = await server.listen(0, "127.0.0.1");
  const id = ++next;
  running.set(id, { server, dir });
  return { id, port };
}

async function records(id) {
  // A stopped sidecar's log was removed with it: nothing to read.
  if (!running.has(id)) return { records: [] };
  const { server } = running.get(id);
  const out = [];
  let cursor;
  for (;;) {
    const page = await server.audit.query(cursor === undefined ? { limit: 1000 } : { limit: 1000, cursor });
    out.push(...page.records);
    if (!page.has_more) return { records: out };
    cursor = page.next_cursor;
  }
}

async function stop(id) {
  const entry = running.get(id);
  if (entry === undefined) return {};
  running.delete(id);
  await entry.server.close();
  rmSync(entry.dir, { recursive: true, force: true });
  return {};
}

parentPort.on("message", (m) => {
  const work = m.type === "start" ? start(m) : m.type === "records" ? records(m.id) : stop(m.id);
  work.then(
    (value) => parentPort.postMessage({ ...value, reply: m.reply }),
    (error) => parentPort.postMessage({ reply: m.reply, error: error instanceof Error ? error.message : String(error) }),
  );
});
