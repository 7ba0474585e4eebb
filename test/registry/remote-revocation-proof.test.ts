/**
 * §7.2 step 4: a revoked signing key's `revoke` entry is proven against the verified
 * checkpoint and its compromise boundary must equal the index's. The attacker holds the
 * registry's index role key (a compromised index signer) and, through a tampering proxy,
 * serves a re-signed index that moves or invents a revocation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installFromRegistry, revoke } from "@agentgov/registry-client";
import { canonicalJson, fromBase64, signStatement, type Envelope, type IndexKey } from "@agentgov/registry-protocol";
import {
  CONSENT, createPublisher, newHome, publishPlugin, rejects, roleSeed, startProxy, startRegistry, type Registry, type TamperProxy,
} from "./remote-fixture.js";

let reg: Registry;
let proxy: TamperProxy;
let home: string;
let project: string;

const opts = (): Parameters<typeof installFromRegistry>[2] => ({ registry: proxy.url, home, project, yesCapabilities: CONSENT });

/** Serves `name`'s index with its keys rewritten by `edit`, re-signed with the registry's index key. */
async function forgeKeys(name: string, edit: (key: IndexKey) => IndexKey): Promise<void> {
  const indexSeed = await roleSeed(reg, "index");
  proxy.tamper = (path, body) => {
    if (path !== `/v1/packages/${name}/index`) return undefined;
    const envelope = JSON.parse(body.toString("utf8")) as Envelope;
    const index = JSON.parse(Buffer.from(fromBase64(envelope.payload) ?? new Uint8Array()).toString("utf8")) as { keys: IndexKey[] };
    index.keys = index.keys.map(edit);
    return Buffer.from(canonicalJson(signStatement("index", index, [indexSeed])));
  };
}

beforeAll(async () => {
  reg = await startRegistry();
  proxy = await startProxy(reg.url);
  const rev = await createPublisher(reg, "revco");
  const first = await publishPlugin(reg, rev, "@revco/tool", "1.0.0");
  await publishPlugin(reg, rev, "@revco/tool", "1.1.0");
  await revoke({ registry: reg.url, token: rev.token, home: rev.home, signingKeys: [rev.secretKey], publisher: "revco", keyid: rev.keyid, reason: "stolen", compromisedSince: first.logIndex });
  const live = await createPublisher(reg, "liveco");
  await publishPlugin(reg, live, "@liveco/tool", "1.0.0");
});
afterAll(async () => {
  await proxy.close();
  await reg.close();
});
beforeEach(async () => {
  proxy.tamper = undefined;
  home = await newHome();
  project = await newHome();
});

describe("revocations proven against the log (§7.2 step 4)", () => {
  it("the honest index refuses a version at or after compromisedSince (REGISTRY_KEY_REVOKED)", async () => {
    await rejects(() => installFromRegistry("@revco/tool", "1.1.0", opts()), "REGISTRY_KEY_REVOKED", [home, project]);
  });

  it("refuses an index that moves the compromise boundary past the log's (REGISTRY_LOG_PROOF_INVALID)", async () => {
    await forgeKeys("@revco/tool", (k) => ({ ...k, compromisedSince: k.revokedAt ?? 0 }));
    await rejects(() => installFromRegistry("@revco/tool", "1.1.0", opts()), "REGISTRY_LOG_PROOF_INVALID", [home, project]);
  });

  it("refuses an index that points a revocation at an entry that is not one (REGISTRY_LOG_PROOF_INVALID)", async () => {
    // The live publisher's key "revoked" at its own publish entry (the one after its binding).
    await forgeKeys("@liveco/tool", (k) => ({ ...k, revokedAt: k.boundAt + 1, compromisedSince: k.boundAt + 1 }));
    await rejects(() => installFromRegistry("@liveco/tool", "1.0.0", opts()), "REGISTRY_LOG_PROOF_INVALID", [home, project]);
  });

  it("installs an unrevoked publisher's version through the same proxy", async () => {
    expect((await installFromRegistry("@liveco/tool", "1.0.0", opts())).version).toBe("1.0.0");
  });
});
