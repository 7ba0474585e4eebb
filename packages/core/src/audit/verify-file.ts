/**
 * Verifying a log file: streaming its lines to a {@link Verifier} (1 MiB reads, never the
 * whole file), and for large files, in parallel. A large file is split into segments that
 * each start at a record line; the first segment is verified here while worker threads
 * verify the others; then the segments are stitched: each one's first record must follow
 * the previous segment's last (seq and prev), and the first problem in file order wins,
 * so the verdict is the one a sequential pass gives.
 */
import { statSync } from "node:fs";
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type { KeyObject } from "node:crypto";
import { AgentGovError } from "../errors.js";
import { checkHeader } from "./header.js";
import { readRecordBytesFast, type RecordLink } from "./record.js";
import { idleWorkers, runOnWorker, workersAvailable } from "./verify-pool.js";
import type { AuditHeader } from "./types.js";
import type { AuditVerifyResult } from "./verify.js";
import { linkProblem, parse, verdict, Verifier, type VerifierSetup, type VerifierState } from "./verifier.js";

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;
/** Files smaller than this are verified in one pass (a worker costs tens of ms to start). */
const PARALLEL_MIN_BYTES = 32 << 20;
/** No segment smaller than this. */
const SEGMENT_MIN_BYTES = 16 << 20;
/** At most this many segments (the main thread and 3 workers). */
const MAX_SEGMENTS = 4;
/** The first segment (this thread's) is larger by this much when a worker must be started (it takes tens of ms). */
const HEAD_START_BYTES = 8 << 20;

/** A segment of a file for a worker: verify bytes [start, end) of `path` as a segment of the log with `header`. */
export interface SegmentTask {
  path: string;
  start: number;
  end: number;
  header: AuditHeader;
  /** SPKI PEM of the pinned key, if any. */
  publicKey: string | undefined;
  pinnedKeyId: string | undefined;
}

function ioError(path: string, error: unknown): AgentGovError {
  return new AgentGovError("AUDIT_IO", `cannot read audit log ${path}: ${(error as Error).message}`, { cause: error });
}

/** Feeds the lines of bytes [start, end) of `path` to `verifier` (end: EOF when undefined). */
export async function feedFile(path: string, verifier: Verifier, start = 0, end?: number): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw ioError(path, error);
  }
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let filled = 0;
    let position = start;
    for (;;) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const want = end === undefined ? buf.length - filled : Math.min(buf.length - filled, end - position);
      if (want <= 0) break;
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buf, filled, want, position));
      } catch (error) {
        throw ioError(path, error);
      }
      if (bytesRead === 0) break;
      position += bytesRead;
      const view = buf.subarray(0, filled + bytesRead);
      let lineStart = 0;
      for (let nl = view.indexOf(NEWLINE, lineStart); nl >= 0; nl = view.indexOf(NEWLINE, lineStart)) {
        if (!verifier.bytes(view, lineStart, nl)) return;
        lineStart = nl + 1;
      }
      buf.copyWithin(0, lineStart, view.length);
      filled = view.length - lineStart;
    }
    if (filled > 0) verifier.partialLastLine();
  } finally {
    await handle.close();
  }
}

/** Verifies one segment (what a worker does). */
export async function verifySegment(task: SegmentTask, publicKey: KeyObject | undefined): Promise<VerifierState> {
  const verifier = new Verifier({ publicKey, pinnedKeyId: task.pinnedKeyId, genesis: undefined, segmentOf: task.header });
  await feedFile(task.path, verifier, task.start, task.end);
  return verifier.state();
}

/**
 * Verifies the file at `path`, in parallel when it is large and the worker module is
 * available (it is in the built package; running from TypeScript sources it is not).
 */
export async function verifyFile(path: string, setup: VerifierSetup, allowOpen: boolean, concurrency: number | undefined): Promise<AuditVerifyResult> {
  const keyed = setup.publicKey !== undefined;
  const plan = await planSegments(path, setup, concurrency);
  if (plan === undefined) {
    const verifier = new Verifier(setup);
    await feedFile(path, verifier);
    return verdict(verifier.state(), allowOpen, keyed);
  }
  const { header, bounds } = plan;
  const first = new Verifier(setup);
  const pem = setup.publicKey?.export({ type: "spki", format: "pem" }).toString();
  const others = bounds.slice(1).map((start, i) =>
    runOnWorker({ path, start, end: bounds[i + 2] ?? Number.MAX_SAFE_INTEGER, header, publicKey: pem, pinnedKeyId: setup.pinnedKeyId }));
  // Settle the workers whatever happens here, so that none is left running.
  const settled = Promise.allSettled(others);
  try {
    await feedFile(path, first, 0, bounds[1]);
  } finally {
    await settled;
  }
  const states: VerifierState[] = [first.state()];
  for (const outcome of await settled) {
    if (outcome.status === "rejected") throw outcome.reason;
    states.push(outcome.value);
  }
  return verdict(stitch(states), allowOpen, keyed);
}

/** Joins segment states in file order into the state of the whole log. */
export function stitch(states: readonly VerifierState[]): VerifierState {
  const [head, ...rest] = states;
  if (head === undefined) throw new Error("no segment");
  const total: VerifierState = { ...head };
  for (const segment of rest) {
    if (total.error !== undefined) break;
    const first = segment.first;
    if (first !== null) {
      const link: RecordLink = { seq: first.seq, prev: first.prev, hash: "" };
      const problem = linkProblem(total.lastSeq, total.head, link);
      if (problem !== undefined) {
        total.error = { seq: first.seq, line: total.lines + 1, ...problem };
        break;
      }
    }
    total.records += segment.records;
    total.checkpoints += segment.checkpoints;
    total.partial = segment.partial;
    if (segment.records > 0) {
      total.lastSeq = segment.lastSeq;
      total.head = segment.head;
      total.sealed = segment.sealed;
    }
    if (segment.error !== undefined) total.error = { ...segment.error, line: segment.error.line + total.lines };
    total.lines += segment.lines;
  }
  return total;
}

/**
 * Splits a large file into segments that each start at a genuine record line (one the fast
 * path accepts, so never a header or a checkpoint); undefined for a single pass: small
 * file, one core, no worker module, or a header that does not check out (the single pass
 * reports it).
 */
async function planSegments(path: string, setup: VerifierSetup, concurrency: number | undefined): Promise<{ header: AuditHeader; bounds: number[] } | undefined> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return undefined; // the single pass reports the error
  }
  const wanted = Math.min(concurrency ?? availableParallelism(), MAX_SEGMENTS, Math.floor(size / SEGMENT_MIN_BYTES));
  if (size < PARALLEL_MIN_BYTES || wanted < 2 || !workersAvailable()) return undefined;

  const handle = await open(path, "r").catch((error: unknown) => {
    throw ioError(path, error);
  });
  try {
    const window = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await handle.read(window, 0, CHUNK, 0);
    const nl = window.subarray(0, bytesRead).indexOf(NEWLINE);
    if (nl < 0) return undefined;
    const header = checkHeader(parse(window.toString("utf8", 0, nl)));
    if (typeof header === "string" || (setup.pinnedKeyId !== undefined && header.key_id !== setup.pinnedKeyId)) return undefined;

    const headStart = idleWorkers() >= wanted - 1 ? 0 : HEAD_START_BYTES;
    const bounds = [0];
    const link: RecordLink = { seq: 0, prev: "", hash: "" };
    for (let k = 1; k < wanted; k++) {
      const target = headStart + Math.floor(((size - headStart) * k) / wanted);
      const got = (await handle.read(window, 0, CHUNK, target)).bytesRead;
      const view = window.subarray(0, got);
      // The first line that starts after `target` and is a record the fast path accepts.
      let lineStart = view.indexOf(NEWLINE) + 1;
      let found = -1;
      while (lineStart > 0 && found < 0) {
        const lineEnd = view.indexOf(NEWLINE, lineStart);
        if (lineEnd < 0) break;
        if (readRecordBytesFast(view, lineStart, lineEnd, link)) found = target + lineStart;
        else lineStart = lineEnd + 1;
      }
      if (found > (bounds.at(-1) ?? 0)) bounds.push(found);
    }
    return bounds.length > 1 ? { header, bounds } : undefined;
  } finally {
    await handle.close();
  }
}
