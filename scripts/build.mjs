// Bundles the CLI (with code splitting, so each verb's dependencies load only when that verb runs:
// start-up time is a measured target) and the library's two entry points, and writes the
// library's TypeScript declarations (tsconfig.build.json) beside them.
//
// The library does not bundle its dependencies: they load from node_modules, so a program that
// uses raytls and @grpc/grpc-js shares one grpc-js with it (grpc-js checks credentials with
// instanceof, and `rayServerCredentials()` or `RayChannelCredentials` made by a bundled copy are
// refused by the program's own). The CLI bundles everything: fewer files to load at start-up.
//
// Declarations cost a full type check, most of the build's time, so tsc runs in its own process
// while esbuild bundles, and not at all when no input changed since the last declarations were
// written (`npm ci` then `npm run demo` or `npm test` build twice from the same sources).
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const stampFile = join(root, "node_modules", ".cache", "raytls", "declarations.json");
const started = Date.now();

/** The newest modification among the declarations' inputs (directories too: a deleted file). */
function newestInput() {
  let newest = 0;
  const visit = (p) => {
    const s = statSync(p);
    newest = Math.max(newest, s.mtimeMs);
    if (s.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
  };
  for (const p of ["src", "tsconfig.json", "tsconfig.build.json", "package-lock.json", "scripts/build.mjs"]) visit(join(root, p));
  return newest;
}

function declarationsFresh() {
  if (!existsSync(join(dist, "index.d.ts")) || !existsSync(stampFile)) return false;
  const { startedAt } = JSON.parse(readFileSync(stampFile, "utf8"));
  return typeof startedAt === "number" && startedAt > newestInput();
}

function declarations() {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`tsc -p tsconfig.build.json exited ${code}`));
      mkdirSync(join(stampFile, ".."), { recursive: true });
      writeFileSync(stampFile, JSON.stringify({ startedAt: started }));
      resolve();
    });
  });
}

const keepDeclarations = declarationsFresh();
if (keepDeclarations) {
  // Only esbuild's output goes: its chunk names change with their content.
  for (const p of ["chunks", "cli", "index.js", "experimental.js"]) rmSync(join(dist, p), { recursive: true, force: true });
} else {
  rmSync(dist, { recursive: true, force: true });
}

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: false,
  logLevel: "warning",
  // CommonJS dependencies bundled into ESM still call require() for node built-ins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};
const cli = build({
  ...common,
  entryPoints: { "cli/main": "src/cli/main.ts" },
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
});
const library = build({
  ...common,
  entryPoints: { index: "src/index.ts", experimental: "src/experimental.ts" },
  packages: "external",
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/lib/[name]-[hash]",
});
try {
  await Promise.all([cli, library, keepDeclarations ? null : declarations()]);
} catch (err) {
  // esbuild and tsc have printed the errors themselves.
  console.error(`build failed: ${err.message}`);
  process.exit(1);
}
