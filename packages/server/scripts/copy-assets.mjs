// Copies the non-TypeScript runtime files of src/ into dist/ after tsc (today: the SQLite
// audit store's writer thread, which must stay a plain .cjs file; see src/sqlite-audit/commit-thread.ts).
import { copyFileSync, mkdirSync } from "node:fs";

for (const file of ["sqlite-audit/commit-worker.cjs"]) {
  mkdirSync(new URL(`../dist/${file.slice(0, file.lastIndexOf("/"))}`, import.meta.url), { recursive: true });
  copyFileSync(new URL(`../src/${file}`, import.meta.url), new URL(`../dist/${file}`, import.meta.url));
}
