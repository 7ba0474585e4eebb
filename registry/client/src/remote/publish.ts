/**
 * `publish(tarball, envelope, {registry, token})` (REGISTRY.md §6.2, §8): uploads a signed
 * plugin (`POST /v1/packages/:name/:version` with the envelope and base64 tarball, ≤ 30 MiB
 * body) and verifies the receipt (entry = this name, version, SHA-512 and manifest digest,
 * included in a checkpoint consistent with the verified one) before reporting success.
 */
import { readFile } from "node:fs/promises";
import {
  DEFAULT_LIMITS, RegistryError, canonicalJson, fromBase64, parseCanonicalJson, parseEnvelope, sha256, sha512, toBase64, toHex,
  validateEnvelope, type Envelope,
} from "@agentgov/registry-protocol";
import { agentgovHome } from "../util/home.js";
import type { TransferProgress } from "./http-client.js";
import { verifyReceipt, type VerifiedReceipt } from "./receipt.js";
import { RegistrySession } from "./session.js";

/** Options of {@link publish}. */
export interface PublishOptions {
  registry: string;
  token: string;
  home?: string;
  onProgress?: (progress: TransferProgress) => void;
  timeoutMs?: number;
  now?: () => number;
}

/** The outcome of {@link publish}. */
export interface PublishResult extends VerifiedReceipt {
  name: string;
  version: string;
  sha512: string;
}

const PUBLISH_BODY_BYTES = 30 * 1024 * 1024;

/** Publishes `tarball` (path or bytes) with `envelope` (path, JSON text or parsed). */
export async function publish(tarball: string | Uint8Array, envelope: string | Envelope, options: PublishOptions): Promise<PublishResult> {
  const bytes = typeof tarball === "string" ? new Uint8Array(await readFile(tarball)) : tarball;
  if (bytes.byteLength > DEFAULT_LIMITS.tarballBytes) throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", `tarball over ${String(DEFAULT_LIMITS.tarballBytes)} bytes`);
  const env = typeof envelope === "string"
    ? parseEnvelope(envelope.trimStart().startsWith("{") ? envelope : new Uint8Array(await readFile(envelope)))
    : validateEnvelope(envelope);
  const payload = fromBase64(env.payload) ?? new Uint8Array();
  const claimed = parseCanonicalJson(payload, { maxBytes: DEFAULT_LIMITS.manifestBytes }) as { name?: unknown; version?: unknown };
  if (typeof claimed.name !== "string" || typeof claimed.version !== "string") throw new RegistryError("REGISTRY_MANIFEST_INVALID", "envelope payload has no name or version");
  const { name, version } = claimed;
  const digest = toHex(sha512(bytes));
  const manifestDigest = toHex(sha256(payload));
  const session = await RegistrySession.open({
    registry: options.registry, home: options.home ?? agentgovHome(), token: options.token,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  try {
    const body = `{"envelope":${canonicalJson(env)},"tarball":"${toBase64(bytes)}"}`;
    if (Buffer.byteLength(body) > PUBLISH_BODY_BYTES) throw new RegistryError("REGISTRY_ARCHIVE_LIMIT", "publish body over 30 MiB");
    const answer = await session.http.postJson(`/v1/packages/${name}/${version}`, body, 1024 * 1024);
    const receipt = await verifyReceipt(session, answer, (e) =>
      e.kind === "publish" && e.name === name && e.version === version && e.sha512 === digest && e.manifestSha256 === manifestDigest);
    await session.commit();
    return { ...receipt, name, version, sha512: digest };
  } finally {
    session.close();
  }
}
