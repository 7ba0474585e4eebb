#!/usr/bin/env node
// Builds the web console into ../dist/console: compiles the TypeScript with tsc (this
// directory's tsconfig.json) and copies the static files. Built in a temporary directory
// and renamed into place, so a server never serves a half-written console.
// `--if-stale`: do nothing when every output exists and is newer than every source
// (what the tests run, so that they work from a fresh checkout without a build).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "dist");
const out = join(dist, "console");
const STATIC = ["index.html", "style.css", "favicon.svg"];

const sources = readdirSync(here).filter((f) => f.endsWith(".ts") || STATIC.includes(f) || f === "tsconfig.json");
const outputs = [...STATIC, ...sources.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).map((f) => f.replace(/\.ts$/, ".js"))];

function isFresh() {
  const newestSource = Math.max(...sources.map((f) => statSync(join(here, f)).mtimeMs));
  for (const f of outputs) {
    const path = join(out, f);
    if (!existsSync(path) || statSync(path).mtimeMs < newestSource) return false;
  }
  return true;
}

if (process.argv.includes("--if-stale") && isFresh()) process.exit(0);

const tsc = join(dirname(createRequire(import.meta.url).resolve("@typescript/native/package.json")), "bin", "tsc");
mkdirSync(dist, { recursive: true });
const temp = join(dist, `.console-build-${process.pid}-${Date.now()}`);
try {
  const result = spawnSync(process.execPath, [tsc, "-p", join(here, "tsconfig.json"), "--outDir", temp], { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`console build: tsc failed (${result.status ?? result.signal})`);
    process.exit(1);
  }
  for (const f of STATIC) copyFileSync(join(here, f), join(temp, f));
  const old = `${out}.old-${process.pid}`;
  if (existsSync(out)) renameSync(out, old);
  try {
    renameSync(temp, out);
  } catch (error) {
    // Another build won the race: its result is as good as ours.
    if (!existsSync(out)) throw error;
  }
  rmSync(old, { recursive: true, force: true });
} finally {
  rmSync(temp, { recursive: true, force: true });
}
