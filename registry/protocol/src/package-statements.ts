/**
 * Package lifecycle statements (REGISTRY.md §5.2): `yank` (publisher threshold; hidden from
 * range resolution, still installable through a lockfile pin) and `block` (registry `admin`
 * role; never installable, bytes may be purged). Both name one version; like every statement
 * they carry `registry` (the log origin) and `issuedAt`. Malformed statements are
 * `REGISTRY_REQUEST_INVALID`.
 */
import { Shape } from "./internal/shape.js";
import { isPublisherId, packageNameProblem } from "./package-name.js";
import { versionProblem } from "./semver-rules.js";
import { isRfc3339Seconds } from "./time.js";

const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/;

/** Yanks one version; signed by the publisher's threshold. */
export interface YankStatement {
  _type: "agentgov/yank/v1";
  registry: string;
  publisher: string;
  name: string;
  version: string;
  reason?: string;
  issuedAt: string;
}

/** Blocks one version; signed by the registry's `admin` role. `purge` asks to delete the bytes. */
export interface BlockStatement {
  _type: "agentgov/block/v1";
  registry: string;
  name: string;
  version: string;
  reason: string;
  purge?: boolean;
  issuedAt: string;
}

function target(shape: Shape, s: Record<string, unknown>, type: string): { registry: string; name: string; version: string; issuedAt: string } {
  if (s._type !== type) shape.fail("_type", `must be ${type}`);
  const registry = shape.string(s.registry, "registry", { max: 255, pattern: ORIGIN });
  const name = shape.string(s.name, "name", { max: 214 });
  const nameProblem = packageNameProblem(name);
  if (nameProblem !== undefined) shape.fail("name", nameProblem);
  const version = shape.string(s.version, "version", { max: 256 });
  const problem = versionProblem(version);
  if (problem !== undefined) shape.fail("version", problem);
  const issuedAt = shape.string(s.issuedAt, "issuedAt", { max: 20 });
  if (!isRfc3339Seconds(issuedAt)) shape.fail("issuedAt", "must be RFC 3339 UTC seconds");
  return { registry, name, version, issuedAt };
}

/** Validates a yank statement. */
export function validateYank(value: unknown): YankStatement {
  const shape: Shape = new Shape("REGISTRY_REQUEST_INVALID");
  const s = shape.object(value, "", ["_type", "registry", "publisher", "name", "version", "issuedAt"], ["reason"]);
  const base = target(shape, s, "agentgov/yank/v1");
  const publisher = shape.string(s.publisher, "publisher", { max: 39 });
  if (!isPublisherId(publisher)) shape.fail("publisher", "not a publisher id");
  const statement: YankStatement = { _type: "agentgov/yank/v1", registry: base.registry, publisher, name: base.name, version: base.version, issuedAt: base.issuedAt };
  if (s.reason !== undefined) statement.reason = shape.string(s.reason, "reason", { max: 256 });
  return statement;
}

/** Validates a block statement. */
export function validateBlock(value: unknown): BlockStatement {
  const shape: Shape = new Shape("REGISTRY_REQUEST_INVALID");
  const s = shape.object(value, "", ["_type", "registry", "name", "version", "reason", "issuedAt"], ["purge"]);
  const base = target(shape, s, "agentgov/block/v1");
  const statement: BlockStatement = {
    _type: "agentgov/block/v1", registry: base.registry, name: base.name, version: base.version,
    reason: shape.string(s.reason, "reason", { max: 256 }), issuedAt: base.issuedAt,
  };
  if (s.purge !== undefined) statement.purge = shape.boolean(s.purge, "purge");
  return statement;
}
