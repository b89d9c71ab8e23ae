/**
 * A private build of the CLI for lab tests: the lab starts pods as `node <entry> node --role ...`,
 * and rebuilding the shared dist/ would pull it from under other tests. Sets RAYTLS_CLI_ENTRY.
 */
import { build } from "esbuild";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir } from "../helpers/temp-dir.js";

export async function buildCliBundle(): Promise<{ entry: string; cleanup(): void }> {
  const { dir, cleanup } = makeTempDir("raytls-cli-");
  const root = fileURLToPath(new URL("../../", import.meta.url));
  await build({
    entryPoints: { main: join(root, "src/cli/main.ts") },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    outdir: join(dir, "dist"),
    splitting: true,
    logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const entry = join(dir, "raytls.mjs");
  writeFileSync(entry, 'import { main } from "./dist/main.js";\nprocess.exitCode = await main(process.argv.slice(2));\n');
  process.env.RAYTLS_CLI_ENTRY = entry;
  return { entry, cleanup };
}
