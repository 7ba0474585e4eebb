/** The registry HTTP client against a real node:http server on 127.0.0.1. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryHttp, type TransferProgress } from "./http-client.js";

let server: Server;
let url: string;
const big = Buffer.alloc(3 * 1024 * 1024, 7);

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      switch (req.url) {
        case "/v1/small": res.end("{\"a\":1}"); return;
        case "/v1/big": res.writeHead(200, { "content-length": String(big.byteLength) }); res.end(big); return;
        case "/v1/chunked": res.write(big.subarray(0, 1024 * 1024)); res.end(big.subarray(1024 * 1024)); return;
        case "/v1/error": res.writeHead(422, { "content-type": "application/json" }); res.end('{"error":{"code":"REGISTRY_KEY_REVOKED","message":"no"}}'); return;
        case "/v1/garbage-error": res.writeHead(404); res.end("<html>"); return;
        case "/v1/echo": res.end(JSON.stringify({ auth: req.headers.authorization ?? null, bytes: Buffer.concat(chunks).byteLength })); return;
        case "/v1/hang": return;
        default: res.writeHead(500); res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("RegistryHttp", () => {
  it("parses JSON answers over a keep-alive agent", async () => {
    const http = new RegistryHttp(url);
    expect((await http.getJson("/v1/small", 1024)).value).toEqual({ a: 1 });
    expect((await http.getJson("/v1/small", 1024)).value).toEqual({ a: 1 });
    http.close();
  });

  it("refuses bodies over the cap, declared or streamed (REGISTRY_ARCHIVE_LIMIT)", async () => {
    const http = new RegistryHttp(url);
    await expect(http.request({ method: "GET", path: "/v1/big", maxBytes: 1024 })).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_LIMIT" });
    let received = 0;
    await expect(http.download("/v1/chunked", 1024 * 1024 + 10, (c) => { received += c.byteLength; })).rejects.toMatchObject({ code: "REGISTRY_ARCHIVE_LIMIT" });
    expect(received).toBeLessThanOrEqual(1024 * 1024 + 10);
    http.close();
  });

  it("reports progress for large transfers and hashes downloads", async () => {
    const seen: TransferProgress[] = [];
    const http = new RegistryHttp(url, { onProgress: (p) => seen.push(p) });
    const got = await http.download("/v1/big", big.byteLength, () => undefined);
    expect(got.size).toBe(big.byteLength);
    expect(seen.at(-1)).toMatchObject({ bytes: big.byteLength, total: big.byteLength });
    seen.length = 0;
    const echoed = await new RegistryHttp(url, { token: "t", onProgress: (p) => seen.push(p) }).postJson("/v1/echo", { blob: "x".repeat(2 * 1024 * 1024) }, 1024);
    expect(echoed).toMatchObject({ auth: "Bearer t" });
    expect(seen.length).toBeGreaterThan(1);
    http.close();
  });

  it("maps error answers to their REGISTRY_ code, else by status", async () => {
    const http = new RegistryHttp(url);
    await expect(http.request({ method: "GET", path: "/v1/error", maxBytes: 1024 })).rejects.toMatchObject({ code: "REGISTRY_KEY_REVOKED" });
    await expect(http.request({ method: "GET", path: "/v1/garbage-error", maxBytes: 1024 })).rejects.toMatchObject({ code: "REGISTRY_VERSION_UNAVAILABLE" });
    http.close();
  });

  it("needs a token for writes, times out, and rejects non-http URLs", async () => {
    await expect(new RegistryHttp(url).postJson("/v1/echo", {}, 1024)).rejects.toMatchObject({ code: "REGISTRY_AUTH" });
    await expect(new RegistryHttp(url, { timeoutMs: 100 }).request({ method: "GET", path: "/v1/hang", maxBytes: 10 })).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
    expect(() => new RegistryHttp("file:///etc/passwd")).toThrow(/plain http/);
    expect(() => new RegistryHttp("http://user:pw@127.0.0.1/")).toThrow(/plain http/);
  });
});
