import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_DIR, CONSOLE_FILES, createConsoleRoutes } from "./console-routes.js";
import { ServerError } from "./errors.js";
import { startHarness, type Harness } from "./testing/fixtures/harness.js";

let h: Harness;
beforeAll(async () => {
  // Builds the console unless `npm run build` already did (turbo runs build before test).
  execFileSync(process.execPath, [fileURLToPath(new URL("../console/build.mjs", import.meta.url)), "--if-stale"], { stdio: "inherit" });
  h = await startHarness();
});
afterAll(async () => {
  await h.cleanup();
});

/** A raw GET: the path goes on the wire exactly as written (fetch would normalize `..`). */
function rawGet(port: number, path: string, method = "GET"): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const port = (): number => Number(new URL(h.base).port);

describe("web console static files", () => {
  it("serves the page at / without a token, with a strict CSP", async () => {
    const res = await fetch(`${h.base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'self';/);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/console/app.js"></script>');
    expect(html).toBe(readFileSync(join(CONSOLE_DIR, "index.html"), "utf8"));
  });

  it("serves every allow-listed file with its content type (GET and HEAD)", async () => {
    for (const [name, type] of Object.entries(CONSOLE_FILES)) {
      const res = await fetch(`${h.base}/console/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get("content-type"), name).toBe(type);
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(CONSOLE_DIR, name))), name).toBe(true);
      const head = await rawGet(port(), `/console/${name}`, "HEAD");
      expect(head.status, name).toBe(200);
      expect(head.body, name).toBe("");
    }
  });

  it("allow-lists exactly the built files, and the page references only allow-listed ones", () => {
    expect(readdirSync(CONSOLE_DIR).sort()).toEqual(Object.keys(CONSOLE_FILES).sort());
    const html = readFileSync(join(CONSOLE_DIR, "index.html"), "utf8");
    const referenced = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1] ?? "");
    expect(referenced.length).toBeGreaterThan(2);
    for (const ref of referenced) expect(ref, ref).toMatch(/^\/console\/[\w.-]+$/);
    for (const ref of referenced) expect(Object.keys(CONSOLE_FILES), ref).toContain(ref.slice("/console/".length));
    for (const name of Object.keys(CONSOLE_FILES).filter((f) => f.endsWith(".js"))) {
      const js = readFileSync(join(CONSOLE_DIR, name), "utf8");
      for (const m of js.matchAll(/\bfrom\s+"([^"]+)"/g)) {
        const target = m[1] ?? "";
        expect(target, `${name} imports ${target}`).toMatch(/^\.\/[\w-]+\.js$/);
        expect(Object.keys(CONSOLE_FILES), `${name} imports ${target}`).toContain(target.slice(2));
      }
      expect(js, name).not.toMatch(/\bhttps?:\/\//);
    }
  });

  it("answers 404 for anything not on the list, including traversal attempts", async () => {
    const paths = [
      "/console/../package.json",
      "/console/..%2fpackage.json",
      "/console/%2e%2e%2fconsole-routes.js",
      "/console/../../../../etc/passwd",
      "/console/%2e%2e/%2e%2e/package.json",
      "/console/",
      "/console",
      "/console/app.js.map",
      "/console/types.d.ts",
      "/console/app.ts",
      "/console/APP.JS",
      "/console/app.js/",
      "/console/constructor",
      "/console/__proto__",
      "/console/index.html%00",
      "/index.html",
    ];
    for (const path of paths) {
      const res = await rawGet(port(), path);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body), path).toMatchObject({ code: "NOT_FOUND" });
    }
  });

  it("refuses other methods with 405", async () => {
    for (const path of ["/", "/console/app.js"]) {
      const res = await rawGet(port(), path, "POST");
      expect(res.status, path).toBe(405);
      expect(res.headers.allow, path).toBe("GET");
    }
  });

  it("says the console is not built when its files are missing", async () => {
    const empty = mkdtempSync(join(tmpdir(), "agentgov-console-"));
    try {
      const [page] = createConsoleRoutes(empty);
      const attempt = page!.handle({} as never, { req: {} as never, res: {} as never, url: new URL("http://x/"), principal: null, params: {} });
      await expect(attempt).rejects.toBeInstanceOf(ServerError);
      await expect(attempt).rejects.toMatchObject({ code: "NOT_FOUND", status: 404, message: expect.stringContaining("not built") as unknown });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
