/**
 * Class 20 (REGISTRY.md §11): HTTP and auth. Missing, invalid, expired or wrong-scope tokens;
 * traversal and encoding tricks in paths; oversized headers and bodies; JSON nesting bombs;
 * `Host` injection. Rejections write nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call, createPublisher, errorCode, issueToken, packPlugin, publishPlugin, snapshot, startRegistry,
  type SignedPlugin, type TestKey, type TestRegistry,
} from "../testing/harness.js";
import { rawRequest } from "../testing/raw-http.js";

let reg: TestRegistry;
let acme: { key: TestKey; token: string };
let plugin: SignedPlugin;

beforeAll(async () => {
  reg = await startRegistry();
  acme = await createPublisher(reg, "acme");
  plugin = await packPlugin({ name: "@acme/web", version: "1.0.0", publisher: "acme" }, [acme.key]);
});
afterAll(async () => { await reg.close(); });

function get(path: string, extra = ""): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;
}

describe("tokens", () => {
  it("missing, malformed or unknown tokens → 401, nothing written", async () => {
    const before = await snapshot(reg);
    for (const token of [undefined, "", "agr_short", `agr_${"A".repeat(43)}`, acme.token.slice(0, -1) + (acme.token.endsWith("A") ? "B" : "A")]) {
      const res = await publishPlugin(reg, plugin, token as string);
      expect(res.status).toBe(401);
      expect(errorCode(res)).toBe("REGISTRY_AUTH");
    }
    const basic = await fetch(`${reg.url}/v1/packages/@acme/web/1.0.0`, { method: "POST", headers: { authorization: `Basic ${acme.token}`, "content-type": "application/json" }, body: "{}" });
    expect(basic.status).toBe(401);
    expect(await snapshot(reg)).toEqual(before);
  });

  it("an expired token → 401", async () => {
    const token = await issueToken(reg, "acme", ["publish:@acme/*"], 60);
    reg.clock.advance(61);
    try {
      const before = await snapshot(reg);
      const res = await publishPlugin(reg, plugin, token);
      expect(res.status).toBe(401);
      expect(await snapshot(reg)).toEqual(before);
    } finally {
      reg.clock.advance(-61);
    }
  });

  it("wrong scope → 403: keys-only token publishing, another name pattern, non-admin on the admin API", async () => {
    const keysOnly = await issueToken(reg, "acme", ["keys"]);
    const narrow = await issueToken(reg, "acme", ["publish:@acme/other"]);
    const before = await snapshot(reg);
    for (const token of [keysOnly, narrow]) {
      const res = await publishPlugin(reg, plugin, token);
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe("REGISTRY_AUTH");
    }
    expect((await call(reg, "POST", "/v1/admin/tokens", { scopes: ["admin"], ttlSeconds: 60 }, acme.token)).status).toBe(403);
    expect((await call(reg, "POST", "/v1/admin/publishers", { id: "mallory" }, acme.token)).status).toBe(403);
    expect(await snapshot(reg)).toEqual(before);
  });

  it("token requests are validated strictly", async () => {
    for (const body of [
      { scopes: ["root"], ttlSeconds: 60 }, { scopes: ["publish:*"], ttlSeconds: 60 }, { scopes: ["admin"], ttlSeconds: 0 },
      { scopes: ["admin"], ttlSeconds: 1e12 }, { scopes: ["keys"], ttlSeconds: 60, publisher: "nobody" }, { scopes: ["admin"], ttlSeconds: 60, extra: 1 },
    ]) {
      expect((await call(reg, "POST", "/v1/admin/tokens", body, reg.adminToken)).status).toBe(400);
    }
  });
});

describe("paths", () => {
  it.each([
    "/v1/blobs/sha512/../../etc/passwd",
    "/v1/blobs/sha512/%2e%2e/%2e%2e/etc/passwd",
    "/v1/blobs/sha512/..%2f..%2fetc%2fpasswd",
    "/v1/blobs/sha512/%252e%252e",
    "/v1/packages/@acme%2fweb/index",
    "/v1/packages/%40acme/web/index",
    "/v1/packages/@acme/web\\..\\x/index",
    "/v1/packages/@acme//web/index",
    "/v1/packages/@acme/web/./index",
    "/v1/log/checkpoint%00",
  ])("%s → 400", async (path) => {
    expect((await rawRequest(reg.url, get(path))).status).toBe(400);
  });

  it("blob paths must be 128 lowercase hex characters", async () => {
    expect((await call(reg, "GET", `/v1/blobs/sha512/${"A".repeat(128)}`)).status).toBe(404);
    expect((await call(reg, "GET", `/v1/blobs/sha512/${"a".repeat(127)}`)).status).toBe(404);
    expect((await call(reg, "GET", `/v1/blobs/sha256/${"a".repeat(64)}`)).status).toBe(404);
  });

  it("unknown or repeated query parameters → 400; other methods → 405", async () => {
    expect((await call(reg, "GET", "/v1/log/entries?start=0&start=1&end=1")).status).toBe(400);
    expect((await call(reg, "GET", "/v1/log/entries?start=0&end=1&x=1")).status).toBe(400);
    expect((await call(reg, "GET", "/v1/log/entries?start=-1&end=1")).status).toBe(400);
    expect((await call(reg, "GET", "/v1/log/entries?start=0&end=5000")).status).toBe(400);
    expect((await call(reg, "DELETE", "/v1/packages/@acme/web/1.0.0", undefined, acme.token)).status).toBe(405);
  });
});

describe("limits", () => {
  it("headers over 16 KiB → 431", async () => {
    expect((await rawRequest(reg.url, get("/v1/root.json", `X-Big: ${"a".repeat(20 * 1024)}\r\n`))).status).toBe(431);
  });

  it("a body over the cap → 413 (declared or streamed), nothing written", async () => {
    const before = await snapshot(reg);
    const big = JSON.stringify({ payloadType: "x", payload: "a".repeat(300 * 1024), signatures: [] });
    const declared = await call(reg, "POST", "/v1/statements", big, acme.token);
    expect(declared.status).toBe(413);
    const chunked = `POST /v1/statements HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${acme.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${(300 * 1024).toString(16)}\r\n${"a".repeat(300 * 1024)}\r\n0\r\n\r\n`;
    expect((await rawRequest(reg.url, chunked)).status).toBe(413);
    expect(await snapshot(reg)).toEqual(before);
  });

  it("a JSON nesting bomb → 400 before parsing; wrong content type → 415", async () => {
    const bomb = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const res = await call(reg, "POST", "/v1/statements", bomb, acme.token);
    expect(res.status).toBe(400);
    expect(res.text).toContain("nested");
    const duplicate = await call(reg, "POST", "/v1/packages/@acme/web/1.0.0", '{"envelope":{},"tarball":"","tarball":""}', acme.token);
    expect(duplicate.status).toBe(400);
    expect(duplicate.text).toContain("duplicate key");
    const text = await fetch(`${reg.url}/v1/statements`, { method: "POST", headers: { authorization: `Bearer ${acme.token}`, "content-type": "text/plain" }, body: "{}" });
    expect(text.status).toBe(415);
  });

  it("a tarball over 20 MiB → 413 without decoding it", async () => {
    const before = await snapshot(reg);
    const res = await call(reg, "POST", "/v1/packages/@acme/web/1.0.0", { envelope: plugin.envelope, tarball: "A".repeat(28 * 1024 * 1024) }, acme.token);
    expect(res.status).toBe(413);
    expect(await snapshot(reg)).toEqual(before);
  });
});

describe("timeouts", () => {
  it("a client that never finishes its headers gets 408", async () => {
    const slow = await startRegistry({ timeouts: { headersMs: 300, requestMs: 600, checkIntervalMs: 50 } });
    try {
      const { connect } = await import("node:net");
      const { hostname, port } = new URL(slow.url);
      const status = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), hostname);
        let text = "";
        socket.on("data", (chunk: Buffer) => { text += chunk.toString("latin1"); });
        socket.on("error", reject);
        socket.on("close", () => { resolve(text.slice(0, 12)); });
        socket.write("GET /v1/root.json HTTP/1.1\r\nHost: x\r\n");
      });
      expect(status).toBe("HTTP/1.1 408");
    } finally {
      await slow.close();
    }
  });
});

describe("Host header", () => {
  it("never reaches responses: the origin comes from the configuration", async () => {
    expect((await publishPlugin(reg, plugin, acme.token)).status).toBe(201);
    for (const path of ["/v1/packages/@acme/web/index", "/v1/packages/@acme/web/1.0.0/receipt", "/v1/log/checkpoint", "/v1/root.json"]) {
      const res = await rawRequest(reg.url, `GET ${path} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain("evil.example");
    }
  });
});
