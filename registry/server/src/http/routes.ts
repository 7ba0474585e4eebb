/**
 * The native `/v1` API (REGISTRY.md §6.1). Each route parses its path and query strictly,
 * authenticates where needed, and answers JSON (or the checkpoint note as `text/plain`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  RegistryError, isPublisherId, kindOfPayloadType, toBase64, validateEnvelope, type Envelope,
} from "@agentgov/registry-protocol";
import type { RegistryContext } from "../context.js";
import { currentIndex } from "../index-signing/package-index.js";
import { consistencyProofAt, inclusionProofAt } from "../log/merkle-log.js";
import { commitCheckpoint } from "../log/checkpoints.js";
import { checkCoordinates, publish } from "../publish/publish.js";
import { inclusionProofJson, receiptFor } from "../publish/receipt.js";
import { bindKey } from "../statements/bind.js";
import { rotateKeys } from "../statements/rotate.js";
import { revokeKey } from "../statements/revoke.js";
import { yankVersion } from "../statements/yank.js";
import { blockVersion } from "../statements/block.js";
import { attestVersion } from "../statements/attest.js";
import { authenticate, createToken, requireAdmin, requireKeys, requirePublish, type AuthToken } from "../tokens/tokens.js";
import type { Scope } from "../tokens/scopes.js";
import { exactKeys, readJsonObject } from "./body.js";
import { HttpError, badRequest, notFound } from "./http-error.js";
import { intParam, type RequestPath } from "./request-path.js";
import { sendBytes, sendJson, sendJsonText } from "./responses.js";
import type { RateLimiter } from "./rate-limit.js";

/** Per-request inputs of a route. */
export interface RouteInput {
  ctx: RegistryContext;
  req: IncomingMessage;
  res: ServerResponse;
  path: RequestPath;
  search: RateLimiter;
}

const HEX128 = /^[0-9a-f]{128}$/;
const HEX64 = /^[0-9a-f]{64}$/;

function only(path: RequestPath, keys: readonly string[]): void {
  for (const key of path.query.keys()) if (!keys.includes(key)) throw badRequest(`unknown query parameter ${key}`);
}

/** Splits `<name>/<rest…>` where a scoped name spans two segments. */
function splitName(segments: readonly string[]): { name: string; rest: string[] } {
  const first = segments[0] ?? "";
  if (first.startsWith("@")) {
    if (segments.length < 2) throw notFound();
    return { name: `${first}/${segments[1] ?? ""}`, rest: segments.slice(2) };
  }
  return { name: first, rest: segments.slice(1) };
}

async function latestCheckpoint(ctx: RegistryContext): Promise<{ size: number; timestamp: number; note: string }> {
  return await ctx.meta.read((r) => r.latestCheckpoint()) ?? await commitCheckpoint(ctx);
}

async function root(ctx: RegistryContext, res: ServerResponse, version: number | undefined): Promise<void> {
  const text = await ctx.meta.read(async (r) => r.getRoot(version ?? await r.latestRootVersion()));
  if (text === undefined) throw notFound("no such root version");
  sendJsonText(res, 200, text, version === undefined ? "no-store" : "public, max-age=31536000, immutable");
}

async function logEntries(ctx: RegistryContext, res: ServerResponse, path: RequestPath): Promise<void> {
  only(path, ["start", "end"]);
  const start = intParam(path.query, "start");
  const end = intParam(path.query, "end");
  if (end <= start || end - start > ctx.limits.logPage) throw badRequest(`end must be after start, at most ${ctx.limits.logPage} entries`);
  const leaves = await ctx.meta.read(async (r) => {
    const size = await r.logSize();
    if (end > size) throw badRequest(`end is beyond the log size ${size}`);
    return r.getLeaves(start, end);
  });
  sendJsonText(res, 200, `{"entries":[${leaves.map((l) => l.entry).join(",")}],"start":${start}}`);
}

async function proofs(ctx: RegistryContext, res: ServerResponse, path: RequestPath, kind: string): Promise<void> {
  if (kind === "inclusion") {
    only(path, ["index", "size"]);
    const proof = await ctx.meta.read((r) => inclusionProofAt(r, intParam(path.query, "index"), intParam(path.query, "size")));
    sendJson(res, 200, inclusionProofJson(proof));
    return;
  }
  if (kind !== "consistency") throw notFound();
  only(path, ["from", "to"]);
  const proof = await ctx.meta.read((r) => consistencyProofAt(r, intParam(path.query, "from"), intParam(path.query, "to")));
  sendJson(res, 200, { firstSize: proof.firstSize, secondSize: proof.secondSize, hashes: proof.hashes.map(toBase64) });
}

async function packageGet(ctx: RegistryContext, res: ServerResponse, segments: readonly string[]): Promise<void> {
  const { name, rest } = splitName(segments);
  if (rest.length === 1 && rest[0] === "index") {
    checkCoordinates(name, "0.0.0");
    const index = await currentIndex(ctx, name);
    if (index === undefined) throw notFound(`no package ${name}`);
    sendJsonText(res, 200, index);
    return;
  }
  if (rest.length !== 2) throw notFound();
  const [version = "", what] = rest;
  checkCoordinates(name, version);
  const row = await ctx.meta.read((r) => r.getVersion(name, version));
  if (row === undefined) throw notFound(`no version ${name}@${version}`);
  if (what === "envelope") {
    if (row.envelope === undefined) throw notFound("unsigned version");
    // Not immutable: an attestation can add signatures over the same payload.
    sendJsonText(res, 200, row.envelope, "no-cache");
    return;
  }
  if (what !== "receipt") throw notFound();
  const checkpoint = await latestCheckpoint(ctx);
  sendJson(res, 200, await ctx.meta.read((r) => receiptFor(r, row.logIndex, checkpoint)));
}

async function blob(ctx: RegistryContext, res: ServerResponse, segments: readonly string[]): Promise<void> {
  const [algorithm, hex] = segments;
  if (segments.length !== 2 || algorithm !== "sha512" || hex === undefined || !HEX128.test(hex)) throw notFound();
  const versions = await ctx.meta.read((r) => r.getVersionsBySha512(hex));
  if (versions.length === 0) throw notFound();
  if (versions.every((v) => v.purged || v.status === "blocked")) throw new HttpError(410, "REGISTRY_VERSION_UNAVAILABLE", "blocked");
  const bytes = await ctx.blobs.get(hex);
  if (bytes === undefined) throw new HttpError(410, "REGISTRY_VERSION_UNAVAILABLE", "bytes were purged");
  sendBytes(res, 200, "application/octet-stream", bytes, "public, max-age=31536000, immutable");
}

async function statementPost(ctx: RegistryContext, token: AuthToken, body: Record<string, unknown>): Promise<number> {
  const envelope: Envelope = validateEnvelope(body, { maxBytes: ctx.limits.envelopeBytes });
  const kind = kindOfPayloadType(envelope.payloadType);
  const keysOf = (publisher: string): void => { requireKeys(token, publisher); };
  switch (kind) {
    case "rotate": return rotateKeys(ctx, envelope, keysOf);
    case "revoke": return revokeKey(ctx, envelope, keysOf);
    case "yank": return yankVersion(ctx, envelope, (name, publisher) => {
      if (!token.scopes.includes("admin")) requirePublish(token, name, publisher);
    });
    case "block": requireAdmin(token); return blockVersion(ctx, envelope);
    case "manifest": return attestVersion(ctx, envelope, (name, publisher) => {
      if (!token.scopes.includes("admin")) requirePublish(token, name, publisher);
    });
    default: throw new RegistryError("REGISTRY_PAYLOAD_TYPE", `statements of type ${envelope.payloadType} are not accepted here`);
  }
}

async function receiptOf(ctx: RegistryContext, index: number): Promise<unknown> {
  const checkpoint = await commitCheckpoint(ctx);
  return ctx.meta.read((r) => receiptFor(r, index, checkpoint));
}

async function adminPost(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, what: string | undefined): Promise<void> {
  const token = await authenticate(ctx, req.headers.authorization);
  requireAdmin(token);
  const body = await readJsonObject(req, 64 * 1024);
  if (what === "publishers") {
    exactKeys(body, ["id"]);
    const id = body.id;
    if (typeof id !== "string" || !isPublisherId(id)) throw badRequest("invalid publisher id");
    await ctx.meta.transaction(async (tx) => {
      if (await tx.getPublisher(id) !== undefined) throw new HttpError(409, "REGISTRY_REQUEST_INVALID", `publisher ${id} exists`);
      await tx.insertPublisher({ id, threshold: 1, createdAt: ctx.clock.now() });
    });
    sendJson(res, 201, { id });
    return;
  }
  if (what !== "tokens") throw notFound();
  exactKeys(body, ["scopes", "ttlSeconds"], ["publisher", "label"]);
  const { scopes, ttlSeconds, publisher, label } = body;
  if (!Array.isArray(scopes) || typeof ttlSeconds !== "number") throw badRequest("scopes must be an array and ttlSeconds a number");
  if ((publisher !== undefined && typeof publisher !== "string") || (label !== undefined && (typeof label !== "string" || label.length > 128))) {
    throw badRequest("invalid publisher or label");
  }
  const spec = { scopes: scopes as Scope[], ttlSeconds, ...(publisher === undefined ? {} : { publisher }), ...(label === undefined ? {} : { label }) };
  sendJson(res, 201, await createToken(ctx, spec));
}

/** Dispatches one request; throws {@link HttpError}s and `RegistryError`s for the caller to send. */
export async function route({ ctx, req, res, path, search }: RouteInput): Promise<void> {
  const [v1, area, ...rest] = path.segments;
  if (v1 !== "v1" || area === undefined) throw notFound();
  const method = req.method ?? "";
  if (method === "GET" || method === "HEAD") {
    if (area === "root.json" && rest.length === 0) { only(path, []); await root(ctx, res, undefined); return; }
    if (area === "root" && rest.length === 1) {
      const match = /^([1-9][0-9]{0,8})\.json$/.exec(rest[0] ?? "");
      if (match === null) throw notFound();
      await root(ctx, res, Number(match[1]));
      return;
    }
    if (area === "log" && rest[0] === "checkpoint" && rest.length === 1) {
      only(path, []);
      sendBytes(res, 200, "text/plain; charset=utf-8", Buffer.from((await latestCheckpoint(ctx)).note, "utf8"));
      return;
    }
    if (area === "log" && rest[0] === "entries" && rest.length === 1) { await logEntries(ctx, res, path); return; }
    if (area === "log" && rest[0] === "proof" && rest.length === 2) { await proofs(ctx, res, path, rest[1] ?? ""); return; }
    if (area === "packages" && rest.length > 0) { only(path, []); await packageGet(ctx, res, rest); return; }
    if (area === "blobs") { only(path, []); await blob(ctx, res, rest); return; }
    if (area === "statements" && rest.length === 1 && HEX64.test(rest[0] ?? "")) {
      const row = await ctx.meta.read((r) => r.getStatementByEnvelope(rest[0] ?? ""));
      if (row === undefined) throw notFound();
      sendJsonText(res, 200, row.envelope, "public, max-age=31536000, immutable");
      return;
    }
    if (area === "search" && rest.length === 0) {
      only(path, ["q"]);
      if (!search.take(req.socket.remoteAddress ?? "")) throw new HttpError(429, "REGISTRY_REQUEST_INVALID", "too many requests");
      const q = path.query.get("q") ?? "";
      if (q.length === 0 || q.length > 214) throw badRequest("q must be 1 to 214 characters");
      const found = await ctx.meta.read((r) => r.searchPackages(q, 50));
      sendJson(res, 200, { results: found.map((p) => ({ name: p.name, publisher: p.publisher })) });
      return;
    }
    throw notFound();
  }
  if (method !== "POST") throw new HttpError(405, "REGISTRY_REQUEST_INVALID", "method not allowed");
  only(path, []);
  if (area === "admin" && rest.length === 1) { await adminPost(ctx, req, res, rest[0]); return; }
  const token = await authenticate(ctx, req.headers.authorization);
  if (area === "packages" && rest.length > 0) {
    const { name, rest: tail } = splitName(rest);
    if (tail.length !== 1) throw notFound();
    const body = await readJsonObject(req, ctx.limits.publishBodyBytes);
    sendJson(res, 201, await publish(ctx, token, name, tail[0] ?? "", body));
    return;
  }
  if (area === "publishers" && rest.length === 2 && rest[1] === "keys") {
    const publisher = rest[0] ?? "";
    if (!isPublisherId(publisher)) throw badRequest("invalid publisher id");
    requireKeys(token, publisher);
    const body = await readJsonObject(req, ctx.limits.statementBodyBytes);
    sendJson(res, 201, await receiptOf(ctx, await bindKey(ctx, publisher, body)));
    return;
  }
  if (area === "statements" && rest.length === 0) {
    const body = await readJsonObject(req, ctx.limits.statementBodyBytes);
    sendJson(res, 201, await receiptOf(ctx, await statementPost(ctx, token, body)));
    return;
  }
  throw notFound();
}
