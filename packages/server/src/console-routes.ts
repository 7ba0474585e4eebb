/**
 * The web console's static files: `GET /` (the page) and `GET /console/<file>` from
 * `dist/console` (built by `console/build.mjs` at package build time). Only the files of a
 * fixed allow-list are served, each with its content type and a strict Content-Security-
 * Policy; no path from the request ever reaches the file system. The files need no token;
 * the console asks for one and sends it with every API call.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Route } from "./context.js";
import { ServerError } from "./errors.js";

/** Where the built console lives: `dist/console` of this package (from `src/` and from `dist/`). */
export const CONSOLE_DIR = fileURLToPath(new URL("../dist/console/", import.meta.url));

/** The files served under `/console/`, with their content types. Nothing else is. */
export const CONSOLE_FILES: Readonly<Record<string, string>> = Object.freeze({
  "index.html": "text/html; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
  "favicon.svg": "image/svg+xml",
  "app.js": "text/javascript; charset=utf-8",
  "api.js": "text/javascript; charset=utf-8",
  "dom.js": "text/javascript; charset=utf-8",
  "poller.js": "text/javascript; charset=utf-8",
  "token-store.js": "text/javascript; charset=utf-8",
  "approvals-panel.js": "text/javascript; charset=utf-8",
  "agents-panel.js": "text/javascript; charset=utf-8",
  "chain-panel.js": "text/javascript; charset=utf-8",
  "feed-panel.js": "text/javascript; charset=utf-8",
});

/** The console's Content-Security-Policy: its own origin only; no inline script, no framing. */
export const CONSOLE_CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

const HEADERS = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-cache",
} as const;

/** The console routes serving from `dir` (default {@link CONSOLE_DIR}). */
export function createConsoleRoutes(dir: string = CONSOLE_DIR): Route[] {
  const serve = async (name: string, res: Parameters<Route["handle"]>[1]["res"]): Promise<void> => {
    const type = Object.hasOwn(CONSOLE_FILES, name) ? CONSOLE_FILES[name] : undefined;
    if (type === undefined) throw new ServerError("NOT_FOUND", 404, "no such console file");
    let body: Buffer;
    try {
      body = await readFile(join(dir, name));
    } catch {
      throw new ServerError("NOT_FOUND", 404, `the web console is not built (no ${name}); run 'npm run build' in packages/server`);
    }
    res.writeHead(200, { ...HEADERS, "content-type": type, "content-length": String(body.length) });
    res.end(body);
  };
  return [
    { method: "GET", path: "/", scope: null, name: "console", handle: (_ctx, { res }) => serve("index.html", res) },
    { method: "GET", path: "/console/:file", scope: null, name: "console", handle: (_ctx, { res, params }) => serve(params.file ?? "", res) },
  ];
}

/** The console routes (register them in the server's route table). */
export const consoleRoutes: Route[] = createConsoleRoutes();
