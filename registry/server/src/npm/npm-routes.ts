/**
 * Routes of the npm-compatible subset (REGISTRY.md §6.3): packuments, tarballs, `PUT /:name`,
 * `/-/npm/v1/keys`, `/-/ping`, `/-/whoami`. The bulk advisory endpoint and `/npm` answer
 * 404 (npm tolerates both); unpublish, deprecate and legacy login answer 405. Errors carry
 * npm's `error` string plus the stable `code`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { artifactFilename, isRegistryError, toBase64 } from "@agentgov/registry-protocol";
import type { NpmOptions, RegistryContext } from "../context.js";
import { readJsonObject } from "../http/body.js";
import { HttpError, notFound, statusOf } from "../http/http-error.js";
import { sendBytes, sendJson } from "../http/responses.js";
import { authenticate } from "../tokens/tokens.js";
import { parseNpmTarget } from "./npm-path.js";
import { packument } from "./packument.js";
import { npmPublish } from "./npm-publish.js";

const ABBREVIATED = "application/vnd.npm.install-v1+json";

function methodNotAllowed(): HttpError {
  return new HttpError(405, "REGISTRY_REQUEST_INVALID", "not supported by this registry");
}

async function special(ctx: RegistryContext, npm: NpmOptions, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const method = req.method ?? "";
  if (path === "/-/ping" && method === "GET") { sendJson(res, 200, {}); return; }
  if (path === "/-/npm/v1/keys" && method === "GET") {
    sendJson(res, 200, { keys: [{ expires: null, keyid: npm.signer.keyid, keytype: "ecdsa-sha2-nistp256", scheme: "ecdsa-sha2-nistp256", key: toBase64(npm.signer.spki) }] });
    return;
  }
  if (path === "/-/whoami" && method === "GET") {
    const token = await authenticate(ctx, req.headers.authorization);
    sendJson(res, 200, { username: token.publisher ?? "admin" });
    return;
  }
  if (path.startsWith("/-/user/") || path.startsWith("/-/v1/login")) throw methodNotAllowed();
  throw notFound();
}

async function tarball(ctx: RegistryContext, res: ServerResponse, name: string, file: string): Promise<void> {
  const rows = await ctx.meta.read((r) => r.listVersions(name));
  const row = rows.find((v) => artifactFilename(name, v.version) === file);
  if (row === undefined) throw notFound();
  if (row.status === "blocked") throw new HttpError(410, "REGISTRY_VERSION_UNAVAILABLE", "blocked");
  const bytes = await ctx.blobs.get(row.sha512);
  if (bytes === undefined) throw new HttpError(410, "REGISTRY_VERSION_UNAVAILABLE", "bytes were purged");
  sendBytes(res, 200, "application/octet-stream", bytes, "public, max-age=31536000, immutable");
}

/** Handles one request outside `/v1`. */
export async function npmRoute(ctx: RegistryContext, npm: NpmOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = parseNpmTarget(req.url);
  const method = req.method ?? "";
  if (target.kind === "special") { await special(ctx, npm, req, res, target.path); return; }
  if (target.kind === "tarball") {
    if (method !== "GET" && method !== "HEAD") throw methodNotAllowed();
    await tarball(ctx, res, target.name, target.file);
    return;
  }
  if (method === "GET" || method === "HEAD") {
    const abbreviated = (req.headers.accept ?? "").includes(ABBREVIATED);
    const doc = await ctx.meta.read((r) => packument(r, ctx, npm, target.name, abbreviated));
    if (doc === undefined) throw notFound();
    sendBytes(res, 200, abbreviated ? ABBREVIATED : "application/json", Buffer.from(JSON.stringify(doc), "utf8"));
    return;
  }
  if (method !== "PUT") throw methodNotAllowed();
  const token = await authenticate(ctx, req.headers.authorization);
  const body = await readJsonObject(req, ctx.limits.publishBodyBytes);
  if (!Object.hasOwn(body, "_attachments")) throw methodNotAllowed(); // deprecate and other metadata edits
  const receipt = await npmPublish(ctx, npm, token, target.name, body);
  sendJson(res, 201, { ok: true, id: target.name, logIndex: receipt.logIndex });
}

/** Sends an error the way npm reads it: `{error, code}`. */
export function sendNpmError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) { res.destroy(); return; }
  if (isRegistryError(error)) {
    sendJson(res, statusOf(error), { error: `${error.code}: ${error.message}`, code: error.code });
    return;
  }
  sendJson(res, 500, { error: "internal error", code: "REGISTRY_STORE_CORRUPT" });
}
