/**
 * `npm publish` (`PUT /:name`, REGISTRY.md §6.3). The body must carry exactly one version and
 * its `.tgz` attachment; client-sent `dist` values are ignored. An extra attachment
 * `<name>-<version>.agentsig.json` holding the DSSE envelope makes it a signed publish with
 * every check of §6.2; without one, the publish mode decides: `unsigned` (status `unsigned`,
 * logged as `publish-unsigned`, same archive rules), `reject` (`REGISTRY_UNSIGNED`) or `off`
 * (405). A version that exists is 403, as npm expects.
 */
import { RegistryError, isRegistryError, parseEnvelope, decodeUtf8 } from "@agentgov/registry-protocol";
import type { NpmOptions, RegistryContext } from "../context.js";
import { HttpError, badRequest } from "../http/http-error.js";
import { checkCoordinates, checkSignedPublish, commitPublish, decodeTarball, ownerOf, type CheckedPublish } from "../publish/publish.js";
import { scanTarball } from "../publish/scan-tarball.js";
import type { Receipt } from "../publish/receipt.js";
import { requirePublish, type AuthToken } from "../tokens/tokens.js";

const TOP_KEYS = new Set(["_id", "name", "description", "dist-tags", "versions", "access", "_attachments", "readme", "maintainers"]);

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function attachmentData(value: unknown, what: string): string {
  const data = record(value, what).data;
  if (typeof data !== "string") throw badRequest(`${what}.data must be a string`);
  return data;
}

/** Handles one `PUT /:name` body; resolves with the receipt of the committed version. */
export async function npmPublish(ctx: RegistryContext, npm: NpmOptions, token: AuthToken, name: string, body: Record<string, unknown>): Promise<Receipt> {
  for (const key of Object.keys(body)) if (!TOP_KEYS.has(key)) throw badRequest(`unknown field ${key}`);
  if (body.name !== name || (body._id !== undefined && body._id !== name)) throw badRequest("body name differs from the URL");
  const versions = Object.keys(record(body.versions, "versions"));
  if (versions.length !== 1) throw new HttpError(405, "REGISTRY_REQUEST_INVALID", "only publishing exactly one version is supported");
  const version = versions[0] ?? "";
  checkCoordinates(name, version);
  const attachments = record(body._attachments, "_attachments");
  const base = `${name}-${version}`;
  const tgzKey = Object.keys(attachments).find((k) => k.endsWith(".tgz"));
  const sigKey = `${base}.agentsig.json`;
  for (const key of Object.keys(attachments)) {
    if (key !== tgzKey && key !== sigKey) throw badRequest(`unexpected attachment ${key}`);
  }
  if (tgzKey === undefined) throw badRequest("no tarball attachment");
  const owner = await ctx.meta.read((r) => ownerOf(r, name, token));
  requirePublish(token, name, owner);
  const tarball = decodeTarball(attachmentData(attachments[tgzKey], tgzKey), ctx);
  let checked: CheckedPublish;
  if (Object.hasOwn(attachments, sigKey)) {
    const text = Buffer.from(attachmentData(attachments[sigKey], sigKey), "base64");
    checked = await checkSignedPublish(ctx, token, name, version, parseEnvelope(new Uint8Array(text)), tarball);
  } else {
    if (npm.publishMode === "off") throw new HttpError(405, "REGISTRY_UNSIGNED", "unsigned npm publishing is off");
    if (npm.publishMode === "reject") throw new RegistryError("REGISTRY_UNSIGNED", "this registry accepts signed publishes only");
    const packageJson = await scanTarball(tarball, { name, version }, ctx.limits);
    if (decodeUtf8(packageJson) === undefined) throw new RegistryError("REGISTRY_MANIFEST_INVALID", "package.json is not UTF-8");
    checked = { name, version, owner, tarball, packageJson };
  }
  try {
    return await commitPublish(ctx, checked);
  } catch (error) {
    if (isRegistryError(error) && error.code === "REGISTRY_VERSION_EXISTS") throw new HttpError(403, "REGISTRY_VERSION_EXISTS", error.message);
    throw error;
  }
}
