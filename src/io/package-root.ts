/**
 * The raytls package root (the directory holding package.json), found by walking up from this
 * module. Works from src/ (tests) and from the bundle (dist/chunks/...), so the lab, the bench and
 * the CLI can start `bin/raytls.mjs` in a child process. A process utility, not part of any layer.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RaytlsError } from "../errors.js";

export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "bin", "raytls.mjs"))) return dir;
    const up = dirname(dir);
    if (up === dir) {
      throw new RaytlsError("no-package-root", `cannot find the raytls package root (package.json and bin/raytls.mjs) above ${fileURLToPath(from)}`, {
        kind: "check",
        hint: "reinstall raytls, or set RAYTLS_CLI_ENTRY to the path of bin/raytls.mjs",
      });
    }
    dir = up;
  }
}

/**
 * The command that runs the raytls CLI in a child process. `RAYTLS_CLI_ENTRY` (a script path)
 * replaces bin/raytls.mjs: tests point it at a bundle of their own, so they never rebuild dist/
 * under other running processes.
 */
export function raytlsCommand(env: NodeJS.ProcessEnv = process.env): { cmd: string; args: string[] } {
  return { cmd: process.execPath, args: [env.RAYTLS_CLI_ENTRY || join(packageRoot(), "bin", "raytls.mjs")] };
}
