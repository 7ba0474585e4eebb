/**
 * A synchronous HTTP round trip for the remote kernel's `decide` (which the Kernel
 * contract makes synchronous): the caller posts the request to a worker thread and blocks
 * in `Atomics.wait` on a shared buffer; the worker makes the keep-alive request, writes
 * the answer into the buffer and wakes it.
 *
 * Layout: an Int32Array of 4 slots (SEQ, KIND, STATUS, LENGTH) and a byte buffer of
 * `maxBytes`. Each request has a new sequence number; the worker writes the answer, then
 * SEQ, then notifies. The caller reads the bytes only once SEQ is its own, so a late
 * answer to a request the caller gave up on is never read as the answer to the next one
 * (the worker also drops answers that are no longer the latest).
 *
 * The caller waits at most `timeoutMs` plus a grace for the worker's own start; the
 * worker aborts its request at `timeoutMs`. The event loop of the calling thread is
 * blocked for the duration of the round trip: use `decideAsync` where a promise is fine.
 */
import { Worker } from "node:worker_threads";
import type { Endpoint } from "./endpoint.js";
import { RemoteFailure } from "./failure.js";
import { oversized, type HttpAnswer, type HttpCall } from "./http-client.js";
import { KIND, SLOT, SYNC_WORKER_URL } from "./sync-worker-source.js";

/** Extra time the caller waits beyond `timeoutMs` (the worker's start, the hand-over). */
export const SYNC_GRACE_MS = 1_000;

/** A synchronous request channel. */
export interface SyncChannel {
  /** Makes the request and blocks until its answer. Throws {@link RemoteFailure}. */
  request(call: Omit<HttpCall, "signal">): HttpAnswer;
  /** Stops the worker. */
  close(): Promise<void>;
}

/** Starts the worker (unref'd: it never keeps the process alive). */
export function createSyncChannel(endpoint: Endpoint, maxBytes: number): SyncChannel {
  const control = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
  const data = new SharedArrayBuffer(maxBytes);
  const ctl = new Int32Array(control);
  const bytes = new Uint8Array(data);
  let worker: Worker | undefined;
  let seq = 0;
  let closed = false;

  const start = (): Worker => {
    const w = new Worker(SYNC_WORKER_URL, {
      workerData: { control, data, protocol: endpoint.protocol, hostname: endpoint.hostname, port: endpoint.port, prefix: endpoint.prefix, authorization: endpoint.authorization, maxBytes },
    });
    w.unref();
    const forget = (): void => {
      if (worker === w) worker = undefined;
    };
    w.once("error", forget);
    w.once("exit", forget);
    return w;
  };
  worker = start();

  return {
    request(call) {
      if (closed) throw new RemoteFailure("remote_unavailable", "the remote kernel is closed");
      worker ??= start();
      seq = seq >= 0x7fff_fff0 ? 1 : seq + 1;
      const mine = seq;
      worker.postMessage({ type: "request", seq: mine, method: call.method, path: call.path, body: call.body, timeoutMs: call.timeoutMs });
      const deadline = performance.now() + call.timeoutMs + SYNC_GRACE_MS;
      for (;;) {
        const seen = Atomics.load(ctl, SLOT.SEQ);
        if (seen === mine) break;
        const left = deadline - performance.now();
        if (left <= 0) throw new RemoteFailure("remote_timeout", `the sidecar did not answer within ${call.timeoutMs} ms`);
        Atomics.wait(ctl, SLOT.SEQ, seen, left);
      }
      const kind = Atomics.load(ctl, SLOT.KIND);
      const length = Atomics.load(ctl, SLOT.LENGTH);
      const text = Buffer.from(bytes.slice(0, length)).toString("utf8");
      if (kind === KIND.TIMEOUT) throw new RemoteFailure("remote_timeout", `the sidecar did not answer within ${call.timeoutMs} ms`);
      if (kind === KIND.OVERSIZED) throw oversized(maxBytes);
      if (kind !== KIND.ANSWER) throw new RemoteFailure("remote_unavailable", `the sidecar cannot be reached: ${text}`);
      let decoded: string;
      try {
        decoded = new TextDecoder("utf-8", { fatal: true }).decode(bytes.slice(0, length));
      } catch {
        throw new RemoteFailure("remote_invalid_answer", "the sidecar's answer is not valid UTF-8");
      }
      return { status: Atomics.load(ctl, SLOT.STATUS), text: decoded };
    },
    async close() {
      closed = true;
      const w = worker;
      worker = undefined;
      if (w === undefined) return;
      w.postMessage({ type: "close" });
      await w.terminate();
    },
  };
}
