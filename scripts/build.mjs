// Bundles the CLI (with code splitting, so each verb's dependencies load only when that verb runs:
// start-up time is a measured target) and the library's two entry points, and writes the
// library's TypeScript declarations (tsconfig.build.json) beside them. tsc runs in its own
// process while esbuild bundles: declarations cost a full type check, most of the build's time.
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });

function declarations() {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tsc -p tsconfig.build.json exited ${code}`))));
  });
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
const bundle = build({
  ...common,
  entryPoints: { "cli/main": "src/cli/main.ts", index: "src/index.ts", experimental: "src/experimental.ts" },
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".js" },
});
await Promise.all([bundle, declarations()]);
